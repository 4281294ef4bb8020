using StaticRnn.Samples.G2P;

return G2PApp.Run(args, Console.Out);
