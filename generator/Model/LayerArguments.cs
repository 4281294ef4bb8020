using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// A layer attribute's arguments as written, free of Roslyn types: constructor arguments in order, then named
/// properties. Enum values arrive as their underlying ints. A spec's <c>Parse</c> reads them into typed properties.
/// </summary>
internal sealed class LayerArguments
{
    private readonly object?[] _arguments;
    private readonly IReadOnlyDictionary<string, object?> _named;

    public LayerArguments(object?[] arguments, IReadOnlyDictionary<string, object?> named)
    {
        _arguments = arguments;
        _named = named;
    }

    /// <summary>Number of constructor arguments.</summary>
    public int Count => _arguments.Length;

    /// <summary>Constructor argument <paramref name="index"/> when it is an int.</summary>
    public bool TryInt(int index, out int value)
    {
        if (index < _arguments.Length && _arguments[index] is int i)
        {
            value = i;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Constructor argument <paramref name="index"/> when it is a number (int, float or double).</summary>
    public bool TryNumber(int index, out double value)
    {
        object? argument = index < _arguments.Length ? _arguments[index] : null;
        switch (argument)
        {
            case int i: value = i; return true;
            case float f: value = f; return true;
            case double d: value = d; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>Whether there are exactly <paramref name="count"/> constructor arguments, all ints, read into <paramref name="values"/>.</summary>
    public bool TryInts(int count, out int[] values)
    {
        values = new int[count];
        if (_arguments.Length != count)
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            if (!TryInt(i, out values[i]))
            {
                return false;
            }
        }
        return true;
    }

    public int Int(string name, int fallback) => _named.TryGetValue(name, out object? v) && v is int i ? i : fallback;

    public bool Bool(string name, bool fallback) => _named.TryGetValue(name, out object? v) && v is bool b ? b : fallback;

    public double Number(string name, double fallback) => _named.TryGetValue(name, out object? v)
        ? v switch { double d => d, float f => f, int i => i, _ => fallback }
        : fallback;

    public string? String(string name) => _named.TryGetValue(name, out object? v) ? v as string : null;

    public ActivationKind Activation(string name, ActivationKind fallback) => (ActivationKind)Int(name, (int)fallback);
}
