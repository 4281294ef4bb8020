using System;
using System.Collections.Generic;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// The emitter of each spec type. Each emitter file registers itself with a field of this partial class
/// (<c>Register&lt;DenseSpec&gt;(new DenseEmitter())</c>), so adding a kind touches no shared list.
/// </summary>
internal static partial class EmitterCatalog
{
    // No initializer on purpose (see LayerCatalog): the Register calls of the emitter files fill it in the type initializer.
    private static Dictionary<Type, LayerEmitter>? s_emitters;

    /// <summary>The emitter of <paramref name="layer"/>'s kind.</summary>
    public static LayerEmitter For(LayerSpec layer)
        => s_emitters!.TryGetValue(layer.GetType(), out LayerEmitter? emitter)
            ? emitter
            : throw new InvalidOperationException($"No emitter for {layer.GetType().Name}; the spec should report SRNN009.");

    /// <summary>Whether <paramref name="layer"/>'s kind has an emitter.</summary>
    public static bool Has(LayerSpec layer) => s_emitters!.ContainsKey(layer.GetType());

    private static LayerEmitter Register<TSpec>(LayerEmitter<TSpec> emitter) where TSpec : LayerSpec
    {
        (s_emitters ??= new Dictionary<Type, LayerEmitter>()).Add(typeof(TSpec), emitter);
        return emitter;
    }
}
