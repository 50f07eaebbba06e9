using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers;

/// <summary>
/// Every TorchSharp and ClipGen symbol the analyzers and the generator need, looked up once per
/// compilation. The only place that knows TorchSharp's metadata names: rules ask this type, they never
/// compare names themselves.
/// </summary>
internal sealed partial class TorchSymbols
{
    /// <summary>The train-step attributes, by metadata name (the generator's <c>ForAttributeWithMetadataName</c> keys).</summary>
    public const string ClipGradNormAttributeName = "ClipGen.ClipGradNormAttribute";
    public const string ClipGradValueAttributeName = "ClipGen.ClipGradValueAttribute";
    public const string AdaptiveGradClipAttributeName = "ClipGen.AdaptiveGradClipAttribute";

    /// <summary>One instance per compilation, shared by the analyzers, the generator's transforms and the fixes.</summary>
    private static readonly ConditionalWeakTable<Compilation, TorchSymbols> Cache = new();

    private TorchSymbols(Compilation compilation, INamedTypeSymbol tensor)
    {
        Tensor = tensor;
        Optimizer = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+Optimizer");
        Lbfgs = compilation.GetTypeByMetadataName("TorchSharp.Modules.LBFGS");
        Module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
        Autograd = compilation.GetTypeByMetadataName("TorchSharp.torch+autograd");
        NnUtils = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+utils");
        NnFunctional = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+functional");
        Torch = compilation.GetTypeByMetadataName("TorchSharp.torch");

        GradClip = compilation.GetTypeByMetadataName("ClipGen.GradClip");
        GradClipModuleExtensions = compilation.GetTypeByMetadataName("ClipGen.GradClipModuleExtensions");
        TrainStepResult = compilation.GetTypeByMetadataName("ClipGen.TrainStepResult");
        ClipResult = compilation.GetTypeByMetadataName("ClipGen.ClipResult");
        GradNormRecord = compilation.GetTypeByMetadataName("ClipGen.GradNormRecord");
        GradientClipper = compilation.GetTypeByMetadataName("ClipGen.IGradientClipper");
        GradientAccumulator = compilation.GetTypeByMetadataName("ClipGen.GradientAccumulator");
        ClipGradNormAttribute = compilation.GetTypeByMetadataName(ClipGradNormAttributeName);
        ClipGradValueAttribute = compilation.GetTypeByMetadataName(ClipGradValueAttributeName);
        AdaptiveGradClipAttribute = compilation.GetTypeByMetadataName(AdaptiveGradClipAttributeName);

        GenericModules = LookUpGenericModules(compilation);
        Loss = compilation.GetTypeByMetadataName("TorchSharp.Loss`3");
        LossBases = LookUpLossBases(compilation, Loss);
    }

    /// <summary>
    /// The symbols of <paramref name="compilation"/>, looked up on first use and cached with it; null when the
    /// compilation does not reference TorchSharp (analyzers then bail out).
    /// </summary>
    public static TorchSymbols? For(Compilation compilation)
    {
        if (Cache.TryGetValue(compilation, out TorchSymbols? cached))
        {
            return cached;
        }

        INamedTypeSymbol? tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        return tensor is null ? null : Cache.GetValue(compilation, c => new TorchSymbols(c, tensor));
    }

    public INamedTypeSymbol Tensor { get; }
    public INamedTypeSymbol? Torch { get; }
    public INamedTypeSymbol? Optimizer { get; }
    public INamedTypeSymbol? Lbfgs { get; }
    public INamedTypeSymbol? Module { get; }
    public INamedTypeSymbol? Autograd { get; }
    public INamedTypeSymbol? NnUtils { get; }
    /// <summary><c>torch.nn.functional</c>: its <c>*_loss</c>/<c>cross_entropy</c> functions compute losses (CG0007).</summary>
    public INamedTypeSymbol? NnFunctional { get; }

    /// <summary><c>ClipGen.GradClip</c>; null when the ClipGen runtime is not referenced.</summary>
    public INamedTypeSymbol? GradClip { get; }
    /// <summary><c>ClipGen.GradClipModuleExtensions</c> (<c>model.ClipGradNorm(…)</c>); null when absent.</summary>
    public INamedTypeSymbol? GradClipModuleExtensions { get; }
    public INamedTypeSymbol? TrainStepResult { get; }
    /// <summary><c>ClipGen.ClipResult</c> (what a clipping call did; <c>SkipStep</c>/<c>NonFinite</c> guard steps).</summary>
    public INamedTypeSymbol? ClipResult { get; }
    /// <summary><c>ClipGen.GradNormRecord</c> (what <c>GradNormMonitor.Record</c> returns).</summary>
    public INamedTypeSymbol? GradNormRecord { get; }
    /// <summary><c>ClipGen.IGradientClipper</c>: its <c>Clip</c> and every implementation's clip.</summary>
    public INamedTypeSymbol? GradientClipper { get; }
    /// <summary><c>ClipGen.GradientAccumulator</c>: its <c>Step</c> clips the accumulated gradients.</summary>
    public INamedTypeSymbol? GradientAccumulator { get; }
    public INamedTypeSymbol? ClipGradNormAttribute { get; }
    public INamedTypeSymbol? ClipGradValueAttribute { get; }
    public INamedTypeSymbol? AdaptiveGradClipAttribute { get; }

    /// <summary>Whether <paramref name="type"/> is or derives from <paramref name="baseType"/>.</summary>
    public static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }
}
