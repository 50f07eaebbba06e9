// netstandard2.0 lacks the marker type that C# 9 'init' accessors and positional records need.
// Internal, so it never clashes with the type in consumers' frameworks.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
