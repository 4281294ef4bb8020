// Compiler support types that netstandard2.0 lacks, so records and init accessors compile there.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
