using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using ClipGen.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers;

/// <summary>
/// CG0001–CG0007. Design: ONE analyzer registers one operation-block action; it builds the
/// <see cref="TrainingFlow"/> of each body (method, local function, lambda) once, and hands it to the rule
/// classes under <c>Rules/</c>, which only read the flow's facts (no rule walks the control-flow graph).
/// A single analyzer is what makes the flow shared: separate analyzers cannot share per-block state.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TrainingLoopAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        TrainingRules.All.Select(rule => rule.Descriptor).ToImmutableArray();

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (TorchSymbols.For(start.Compilation) is not { } symbols)
            {
                return;
            }

            var helpers = new HelperEffects(start.Compilation, symbols);
            var models = new ModelStructure(start.Compilation, symbols);
            start.RegisterOperationBlockAction(block => AnalyzeBlock(block, symbols, helpers, models));
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, TorchSymbols symbols, HelperEffects helpers, ModelStructure models)
    {
        var flows = new List<TrainingFlow>();
        var roots = new HashSet<IOperation>();
        foreach (IOperation block in context.OperationBlocks)
        {
            // Method bodies come as their IBlockOperation under an IMethodBodyOperation: analyze the root once.
            IOperation root = block;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IFieldInitializerOperation or IPropertyInitializerOperation or IBlockOperation)
                || !roots.Add(root))
            {
                continue;
            }

            // Every rule needs a backward, step, zero_grad or clipping call written in the body itself (helpers only
            // add clipping/clearing effects to such a flow), so a body without one has nothing to report. This
            // check is a walk with a name switch per invocation; the control-flow graph and the helper summaries
            // it would otherwise build for every method in the project are what made plain files cost milliseconds.
            if (!HasTrainingCall(root, symbols))
            {
                continue;
            }

            // The context takes a block it handed out and builds (and caches) the graph of its root.
            ControlFlowGraph cfg = context.GetControlFlowGraph(block);
            TrainingFlow.BuildAll(cfg, symbols, helpers, flows, context.CancellationToken);
        }

        if (flows.Count == 0)
        {
            return;
        }

        var rules = new RuleContext(symbols, models, context.Compilation, context.Options, context.ReportDiagnostic);
        foreach (TrainingFlow flow in flows)
        {
            foreach (ITrainingRule rule in TrainingRules.All)
            {
                rule.Report(flow, rules);
            }
        }
    }

    private static bool HasTrainingCall(IOperation root, TorchSymbols symbols)
    {
        // Tokens first: no call can bind to a training method whose name is not written in the body.
        bool named = false;
        foreach (SyntaxToken token in root.Syntax.DescendantTokens())
        {
            if (token.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken) && TorchSymbols.IsTrainingCallName(token.ValueText))
            {
                named = true;
                break;
            }
        }

        if (!named)
        {
            return false;
        }

        foreach (IOperation node in root.DescendantsAndSelf())
        {
            if (node is IInvocationOperation invocation && symbols.Classify(invocation) != TrainingCallKind.None)
            {
                return true;
            }
        }

        return false;
    }
}
