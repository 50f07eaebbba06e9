using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Writes the body of every <c>partial</c> method marked <c>[ClipGradNorm]</c>, <c>[ClipGradValue]</c> or
/// <c>[AdaptiveGradClip]</c>: zero_grad → loss → backward → clip → step. Misuse is reported by
/// <see cref="TrainStepUsageAnalyzer"/>; the generator silently skips what it cannot generate.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TrainStepGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, asserted by the incremental tests.</summary>
    public static class TrackingNames
    {
        public const string ClipGradNorm = "ClipGradNormModels";
        public const string ClipGradValue = "ClipGradValueModels";
        public const string AdaptiveGradClip = "AdaptiveGradClipModels";
        public const string Models = "TrainStepModels";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<TrainStepModel> norm = Models(context, TrainStepAttributes.ClipGradNorm, TrackingNames.ClipGradNorm);
        IncrementalValuesProvider<TrainStepModel> value = Models(context, TrainStepAttributes.ClipGradValue, TrackingNames.ClipGradValue);
        IncrementalValuesProvider<TrainStepModel> adaptive = Models(context, TrainStepAttributes.AdaptiveGradClip, TrackingNames.AdaptiveGradClip);

        context.RegisterSourceOutput(norm, Emit);
        context.RegisterSourceOutput(value, Emit);
        context.RegisterSourceOutput(adaptive, Emit);
    }

    private static IncrementalValuesProvider<TrainStepModel> Models(
        IncrementalGeneratorInitializationContext context, string attribute, string trackingName) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is IMethodSymbol method && ctx.Attributes.Length == 1
                    ? TrainStepParser.Parse(method, ctx.Attributes[0], ctx.SemanticModel.Compilation, TrainStepDiagnostics.Silent(), ct)
                    : null)
            .WithTrackingName(trackingName)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);

    private static void Emit(SourceProductionContext context, TrainStepModel model) =>
        context.AddSource(model.HintName, TrainStepEmitter.Emit(model));
}
