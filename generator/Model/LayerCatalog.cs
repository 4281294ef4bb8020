using System;
using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// The layer attributes StaticRnn knows, each with the spec parser that reads it. Each kind registers itself in its
/// own spec file with a field of this partial class (<c>Register("DenseAttribute", DenseSpec.Parse)</c>), so adding a
/// kind touches no shared list. All those field initializers run together, before the first read of any static field.
/// </summary>
internal static partial class LayerCatalog
{
    // No initializer on purpose: the kinds' Register calls run in the type initializer in whatever order the compiler
    // takes the partial declarations, and an initializer here could run after some of them and drop their entries.
    private static Dictionary<string, Func<LayerArguments, LayerSpec?>>? s_parsers;

    /// <summary>The parser of the attribute class named <paramref name="attributeName"/> (in namespace StaticRnn), if it is a layer.</summary>
    public static bool TryGetParser(string attributeName, out Func<LayerArguments, LayerSpec?> parse)
    {
        Dictionary<string, Func<LayerArguments, LayerSpec?>> parsers = s_parsers!;
        return parsers.TryGetValue(attributeName, out parse!);
    }

    /// <summary>The attribute class names of every layer kind, sorted.</summary>
    public static IReadOnlyList<string> AttributeNames
    {
        get
        {
            var names = new List<string>(s_parsers!.Keys);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <summary>
    /// Registers a layer attribute. <paramref name="parse"/> returns null when the arguments do not bind (the compiler
    /// reports those); it sets only the kind's own properties, the parser adds index, name and expected count.
    /// </summary>
    private static string Register(string attributeName, Func<LayerArguments, LayerSpec?> parse)
    {
        (s_parsers ??= new Dictionary<string, Func<LayerArguments, LayerSpec?>>(StringComparer.Ordinal)).Add(attributeName, parse);
        return attributeName;
    }
}
