using System;
using System.Globalization;

namespace StaticRnn.Generator;

/// <summary>
/// Runs a block under the invariant culture and restores the caller's: every number interpolated into a message or into
/// generated code (a negative stride, a dropout rate) then reads the same on every machine. The generated code must
/// compile identically whatever the culture of the machine that builds it.
/// </summary>
internal readonly struct InvariantCultureScope : IDisposable
{
    private readonly CultureInfo _previous;

    private InvariantCultureScope(CultureInfo previous) => _previous = previous;

    public static InvariantCultureScope Enter()
    {
#pragma warning disable RS1035 // The culture is switched for this thread only and restored on Dispose; that is its purpose.
        CultureInfo previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
#pragma warning restore RS1035
        return new InvariantCultureScope(previous);
    }

    public void Dispose()
    {
#pragma warning disable RS1035 // Restores the culture Enter replaced.
        CultureInfo.CurrentCulture = _previous;
#pragma warning restore RS1035
    }
}
