using StaticRnn.Samples.SpamFilter;

return SpamFilterApp.Run(args, Console.Out);
