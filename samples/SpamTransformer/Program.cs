using StaticRnn.Samples.SpamTransformer;

return SpamTransformerApp.Run(args, Console.Out);
