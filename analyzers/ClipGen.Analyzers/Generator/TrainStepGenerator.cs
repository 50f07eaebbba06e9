using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Writes the body of every <c>partial</c> method marked <c>[ClipGradNorm]</c>, <c>[ClipGradValue]</c> or
/// <c>[AdaptiveGradClip]</c>: zero_grad → loss → backward → clip → step. Misuse is reported by
/// <see cref="TrainStepUsageAnalyzer"/>; for a misused method whose declaration is otherwise
/// implementable (CG1003–CG1005) the generator writes a throwing stub (<see cref="TrainStepStubModel"/>),
/// so the compilation has no CS8795 and the analyzer's error is what the user sees. A method it cannot
/// complete at all (CG1001/CG1002, mostly declaration errors after which csc runs no analyzer) gets its
/// diagnostic from the generator itself.
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
        public const string Diagnostics = "TrainStepDeclarationDiagnostics";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<TrainStepGeneration> norm = Models(context, TorchSymbols.ClipGradNormAttributeName, TrackingNames.ClipGradNorm);
        IncrementalValuesProvider<TrainStepGeneration> value = Models(context, TorchSymbols.ClipGradValueAttributeName, TrackingNames.ClipGradValue);
        IncrementalValuesProvider<TrainStepGeneration> adaptive = Models(context, TorchSymbols.AdaptiveGradClipAttributeName, TrackingNames.AdaptiveGradClip);

        context.RegisterSourceOutput(norm, Emit);
        context.RegisterSourceOutput(value, Emit);
        context.RegisterSourceOutput(adaptive, Emit);

        // CG1001/CG1002 are reported at the user's syntax tree (so .editorconfig severities and the IDE see them
        // like any diagnostic in that file): the one branch that needs the compilation, and only for misused methods.
        IncrementalValuesProvider<EquatableArray<TrainStepDiagnosticModel>> diagnostics = norm.Collect()
            .Combine(value.Collect()).Combine(adaptive.Collect())
            .SelectMany(static (all, _) => all.Left.Left.Concat(all.Left.Right).Concat(all.Right)
                .Where(static g => g.Diagnostics.Length > 0).Select(static g => g.Diagnostics))
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));
    }

    private static IncrementalValuesProvider<TrainStepGeneration> Models(
        IncrementalGeneratorInitializationContext context, string attribute, string trackingName) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is IMethodSymbol method && ctx.Attributes.Length == 1
                    ? TrainStepParser.Generate(method, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct)
                    : null)
            .WithTrackingName(trackingName)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);

    private static void Emit(SourceProductionContext context, TrainStepGeneration generation)
    {
        if (generation.Step is { } step)
        {
            context.AddSource(step.HintName, TrainStepEmitter.Emit(step));
        }
        else if (generation.Stub is { } stub)
        {
            context.AddSource(stub.HintName, TrainStepStubEmitter.Emit(stub));
        }
    }

    private static void Report(SourceProductionContext context, EquatableArray<TrainStepDiagnosticModel> diagnostics, Compilation compilation)
    {
        foreach (TrainStepDiagnosticModel diagnostic in diagnostics)
        {
            DiagnosticDescriptor descriptor = diagnostic.Id == Descriptors.CG1001_MethodNotPartial.Id
                ? Descriptors.CG1001_MethodNotPartial
                : Descriptors.CG1002_TypeNotPartial;
            SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == diagnostic.FilePath);
            context.ReportDiagnostic(diagnostic.ToDiagnostic(descriptor, tree));
        }
    }
}
