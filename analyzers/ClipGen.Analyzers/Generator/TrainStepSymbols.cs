using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// The symbols the train-step parser needs on top of <see cref="TorchSymbols"/>: the generic module and
/// loss bases. Looked up once per compilation and shared by the generator's transforms and the analyzer.
/// </summary>
internal sealed class TrainStepSymbols
{
    private static readonly ConditionalWeakTable<Compilation, TrainStepSymbols> Cache = new();

    private TrainStepSymbols(Compilation compilation, TorchSymbols torch)
    {
        Torch = torch;
        var modules = new INamedTypeSymbol?[8];
        for (int arity = 2; arity < modules.Length; arity++)
        {
            modules[arity] = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module`" + arity);
        }

        GenericModules = modules;
        Loss = compilation.GetTypeByMetadataName("TorchSharp.Loss`3");
        LossBases = new[]
        {
            Loss,
            compilation.GetTypeByMetadataName("TorchSharp.Loss`4"),
            compilation.GetTypeByMetadataName("TorchSharp.Loss`5"),
        };
    }

    /// <summary>Symbols for <paramref name="compilation"/>, or null when it does not reference TorchSharp.</summary>
    public static TrainStepSymbols? For(Compilation compilation)
    {
        if (Cache.TryGetValue(compilation, out TrainStepSymbols? cached))
        {
            return cached;
        }

        TorchSymbols? torch = TorchSymbols.TryCreate(compilation);
        if (torch is null)
        {
            return null;
        }

        return Cache.GetValue(compilation, c => new TrainStepSymbols(c, torch));
    }

    public TorchSymbols Torch { get; }

    /// <summary><c>TorchSharp.Loss&lt;TInput, TTarget, TResult&gt;</c>: the two-input losses a criterion can be.</summary>
    public INamedTypeSymbol? Loss { get; }

    /// <summary>Every <c>TorchSharp.Loss`N</c>: they derive from <c>Module`N</c>, so model lookup must exclude them.</summary>
    public IReadOnlyList<INamedTypeSymbol?> LossBases { get; }

    /// <summary><c>torch.nn.Module`N</c> by arity N (2..7, inputs + result); null elsewhere.</summary>
    public IReadOnlyList<INamedTypeSymbol?> GenericModules { get; }

    public bool IsLoss(ITypeSymbol type) => LossBases.Any(b => TorchSymbols.DerivesFrom(type, b));

    public bool IsModel(ITypeSymbol type) => TorchSymbols.DerivesFrom(type, Torch.Module) && !IsLoss(type);

    public bool IsOptimizer(ITypeSymbol type) => TorchSymbols.DerivesFrom(type, Torch.Optimizer);

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
