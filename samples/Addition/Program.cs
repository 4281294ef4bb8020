using StaticRnn.Samples.Addition;

return AdditionApp.Run(args, Console.Out);
