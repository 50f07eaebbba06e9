using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Reports misuse of the train-step attributes (CG1003–CG1005) by running the generator's own parser,
/// so a method gets a diagnostic exactly when the generator cannot write its body. CG1001/CG1002 share the
/// parser but are reported by the generator (see <see cref="TrainStepParser.IsDeclarationDiagnostic"/>); they
/// stay in <see cref="SupportedDiagnostics"/> so severity configuration and rule tooling see every CG1xxx here.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TrainStepUsageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.CG1001_MethodNotPartial,
        Descriptors.CG1002_TypeNotPartial,
        Descriptors.CG1003_MemberNotFound,
        Descriptors.CG1004_UnsupportedSignature,
        Descriptors.CG1005_InvalidAttributeArgument);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // The generator completes every implementable train step with a [GeneratedCode] part (a throwing stub
        // when it is misused), and Roslyn merges the parts' attributes: the user's declaration itself then counts
        // as generated code. Without these flags the CG100x explaining the stub would be silently dropped.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            TorchSymbols? symbols = TorchSymbols.For(start.Compilation);
            if (symbols is null || (symbols.ClipGradNormAttribute is null && symbols.ClipGradValueAttribute is null && symbols.AdaptiveGradClipAttribute is null))
            {
                return;
            }

            start.RegisterSymbolAction(c => AnalyzeMethod(c, symbols), SymbolKind.Method);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, TorchSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.PartialDefinitionPart is not null)
        {
            // The implementation part shares the declaration's attributes; the declaration is analyzed instead.
            return;
        }

        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (TrainStepAttributes.KindOf(attribute, symbols) is null)
            {
                continue;
            }

            var diagnostics = new List<Diagnostic>();
            TrainStepParser.Parse(method, attribute, context.Compilation, TrainStepDiagnostics.Collecting(diagnostics), context.CancellationToken);
            foreach (Diagnostic diagnostic in diagnostics)
            {
                // CG1001/CG1002 come from the generator, which csc runs even after the declaration errors these
                // shapes cause (when it runs no analyzer at all).
                if (!TrainStepParser.IsDeclarationDiagnostic(diagnostic.Id))
                {
                    context.ReportDiagnostic(diagnostic);
                }
            }
        }
    }
}
