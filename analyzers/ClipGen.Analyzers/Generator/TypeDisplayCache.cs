using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Display strings of types, computed once per compilation. A project's train steps repeat the same few
/// types (Tensor parameters, Tensor/float returns), and <see cref="ISymbol.ToDisplayString"/> was the largest
/// cost of building a model (a symbol-display walk per parameter per method). Keyed with
/// <see cref="SymbolEqualityComparer.IncludeNullability"/> (every difference the display can show: nullable
/// annotations, tuple names, <c>dynamic</c>, native integers), so a cached string is always the one the
/// type itself would produce.
/// </summary>
internal static class TypeDisplayCache
{
    // Per format (formats are long-lived static objects), then per compilation: a string is only reused for
    // the same type, compilation and format.
    private static readonly ConditionalWeakTable<SymbolDisplayFormat, ConditionalWeakTable<Compilation, ConcurrentDictionary<ITypeSymbol, string>>> Cache = new();

    public static string Display(ITypeSymbol type, SymbolDisplayFormat format, Compilation compilation)
    {
        ConcurrentDictionary<ITypeSymbol, string> strings = Cache.GetValue(format, static _ => new())
            .GetValue(compilation, static _ => new ConcurrentDictionary<ITypeSymbol, string>(SymbolEqualityComparer.IncludeNullability));
        if (!strings.TryGetValue(type, out string? text))
        {
            text = type.ToDisplayString(format);
            strings.TryAdd(type, text);
        }

        return text;
    }
}
