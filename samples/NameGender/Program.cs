using StaticRnn.Samples.NameGender;

return NameGenderApp.Run(args, Console.Out);
