using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers;

internal sealed partial class TorchSymbols
{
    /// <summary><c>torch.nn.Module`N</c> by arity N (2..7, inputs + result); null elsewhere.</summary>
    public IReadOnlyList<INamedTypeSymbol?> GenericModules { get; }

    /// <summary><c>TorchSharp.Loss&lt;TInput, TTarget, TResult&gt;</c>: the two-input losses a criterion can be.</summary>
    public INamedTypeSymbol? Loss { get; }

    /// <summary>Every <c>TorchSharp.Loss`N</c>: they derive from <c>Module`N</c>, so model lookup must exclude them.</summary>
    public IReadOnlyList<INamedTypeSymbol?> LossBases { get; }

    private static INamedTypeSymbol?[] LookUpGenericModules(Compilation compilation)
    {
        var modules = new INamedTypeSymbol?[8];
        for (int arity = 2; arity < modules.Length; arity++)
        {
            modules[arity] = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module`" + arity);
        }

        return modules;
    }

    private static INamedTypeSymbol?[] LookUpLossBases(Compilation compilation, INamedTypeSymbol? loss) => new[]
    {
        loss,
        compilation.GetTypeByMetadataName("TorchSharp.Loss`4"),
        compilation.GetTypeByMetadataName("TorchSharp.Loss`5"),
    };

    /// <summary>Whether <paramref name="type"/> is a TorchSharp loss (any <c>Loss`N</c>).</summary>
    public bool IsLoss(ITypeSymbol? type) => LossBases.Any(b => DerivesFrom(type, b));

    /// <summary>Whether <paramref name="type"/> is a model: a module that is not a loss.</summary>
    public bool IsModel(ITypeSymbol? type) => IsModule(type) && !IsLoss(type);

    /// <summary>The constructed <c>Module`N</c> base of <paramref name="type"/>, e.g. <c>Module&lt;Tensor, Tensor&gt;</c>.</summary>
    public INamedTypeSymbol? GenericModuleBase(ITypeSymbol type)
    {
        for (INamedTypeSymbol? t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            int arity = t.TypeArguments.Length;
            if (arity >= 2 && arity < GenericModules.Count &&
                SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, GenericModules[arity]))
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>The constructed <c>Loss&lt;TInput, TTarget, TResult&gt;</c> base of <paramref name="type"/>.</summary>
    public INamedTypeSymbol? LossBase(ITypeSymbol type)
    {
        for (INamedTypeSymbol? t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, Loss))
            {
                return t;
            }
        }

        return null;
    }
}
