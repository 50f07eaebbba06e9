using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Generator;

/// <summary>The train-step attributes of the ClipGen runtime (their symbols and metadata names are in <see cref="TorchSymbols"/>).</summary>
internal static class TrainStepAttributes
{
    /// <summary>The clipping the attribute asks for, or null when it is not a train-step attribute.</summary>
    public static ClipKind? KindOf(AttributeData attribute, TorchSymbols symbols)
    {
        INamedTypeSymbol? type = attribute.AttributeClass;
        if (type is null)
        {
            return null;
        }

        if (SymbolEqualityComparer.Default.Equals(type, symbols.ClipGradNormAttribute))
        {
            return ClipKind.Norm;
        }

        if (SymbolEqualityComparer.Default.Equals(type, symbols.ClipGradValueAttribute))
        {
            return ClipKind.Value;
        }

        if (SymbolEqualityComparer.Default.Equals(type, symbols.AdaptiveGradClipAttribute))
        {
            return ClipKind.Adaptive;
        }

        return null;
    }

    /// <summary>The name users write, e.g. <c>ClipGradNorm</c>.</summary>
    public static string ShortName(ClipKind kind) => kind switch
    {
        ClipKind.Norm => "ClipGradNorm",
        ClipKind.Value => "ClipGradValue",
        _ => "AdaptiveGradClip",
    };
}
