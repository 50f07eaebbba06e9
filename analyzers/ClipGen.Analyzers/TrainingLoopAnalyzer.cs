using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using ClipGen.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers;

/// <summary>
/// CG0001–CG0006. Design: ONE analyzer builds the <see cref="TrainingFlow"/> of each body (method, local
/// function, lambda) once, and hands it to the rule classes under <c>Rules/</c>, which only read the flow's facts
/// (no rule walks the control-flow graph). A single analyzer is what makes the flow shared: separate analyzers
/// cannot share per-block state.
/// <para>
/// Entry point: a code-block action, not an operation-block action. Registering any operation action makes the
/// analyzer driver build the <c>IOperation</c> tree of every member body in the project — the whole cost of a
/// file without TorchSharp calls. Every rule needs a backward, step, zero_grad or clipping call written in the body
/// itself (helpers only add clipping/clearing effects to such a flow), so the action first looks for such a name
/// among the block's tokens and asks the semantic model for operations only from those tokens.
/// </para>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TrainingLoopAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.CG0001_MissingClipping,
        Descriptors.CG0002_ZeroGradBetweenBackwardAndStep,
        Descriptors.CG0003_GradientsNeverCleared,
        Descriptors.CG0004_ClippingHasNoEffect,
        Descriptors.CG0005_StepBeforeBackward,
        Descriptors.CG0006_InvalidClippingArgument);

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
            start.RegisterCodeBlockAction(block => AnalyzeBlock(block, symbols, helpers));
        });
    }

    private static void AnalyzeBlock(CodeBlockAnalysisContext context, TorchSymbols symbols, HelperEffects helpers)
    {
        var flows = new List<TrainingFlow>();
        foreach (IOperation root in CandidateRoots(context.CodeBlock, context.SemanticModel, context.CancellationToken))
        {
            if (!HasTrainingCall(root, symbols))
            {
                continue;
            }

            ControlFlowGraph cfg = root switch
            {
                IMethodBodyOperation body => ControlFlowGraph.Create(body, context.CancellationToken),
                IConstructorBodyOperation body => ControlFlowGraph.Create(body, context.CancellationToken),
                IFieldInitializerOperation initializer => ControlFlowGraph.Create(initializer, context.CancellationToken),
                IPropertyInitializerOperation initializer => ControlFlowGraph.Create(initializer, context.CancellationToken),
                _ => ControlFlowGraph.Create((IBlockOperation)root, context.CancellationToken),
            };
            TrainingFlow.BuildAll(cfg, symbols, helpers, flows, context.CancellationToken);
        }

        if (flows.Count == 0)
        {
            return;
        }

        var rules = new RuleContext(symbols, context.SemanticModel.Compilation, context.Options, context.ReportDiagnostic, context.CancellationToken);
        foreach (TrainingFlow flow in flows)
        {
            MissingClippingRule.Report(flow, rules);
            ZeroGradBetweenBackwardAndStepRule.Report(flow, rules);
            GradientsNeverClearedRule.Report(flow, rules);
            ClippingHasNoEffectRule.Report(flow, rules);
            StepBeforeBackwardRule.Report(flow, rules);
            InvalidClippingArgumentRule.Report(flow, rules);
        }
    }

    /// <summary>
    /// The operation roots (method or constructor body, field or property initializer, root block) of
    /// <paramref name="codeBlock"/> that contain a token spelling a training call's name, each once. No call can
    /// bind to a training method whose name is not written in the body, so the other roots are never built.
    /// </summary>
    private static List<IOperation> CandidateRoots(SyntaxNode codeBlock, SemanticModel model, CancellationToken cancellationToken)
    {
        var roots = new List<IOperation>();
        foreach (SyntaxToken token in codeBlock.DescendantTokens())
        {
            if (!token.IsKind(SyntaxKind.IdentifierToken) || !TorchSymbols.IsTrainingCallName(token.ValueText) ||
                roots.Exists(r => r.Syntax.FullSpan.Contains(token.Span)) || InOtherMember(token, codeBlock))
            {
                continue;
            }

            // The innermost node with an operation (a name in `x.backward()` has none; its member access or call has).
            IOperation? operation = null;
            for (SyntaxNode? node = token.Parent; node is not null && operation is null; node = node.Parent)
            {
                operation = model.GetOperation(node, cancellationToken);
                if (node == codeBlock)
                {
                    break;
                }
            }

            if (operation is null)
            {
                continue;
            }

            IOperation root = operation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (root is (IMethodBodyOperation or IConstructorBodyOperation or IFieldInitializerOperation or IPropertyInitializerOperation or IBlockOperation)
                && !roots.Contains(root))
            {
                roots.Add(root);
            }
        }

        return roots;
    }

    /// <summary>
    /// Whether the token belongs to a member declared inside <paramref name="codeBlock"/>: a type with a primary
    /// constructor is that constructor's code block and holds every member of the type, each analyzed as its own block.
    /// Top-level statements (<c>GlobalStatementSyntax</c>) belong to the compilation unit's block.
    /// </summary>
    private static bool InOtherMember(SyntaxToken token, SyntaxNode codeBlock)
    {
        for (SyntaxNode? node = token.Parent; node is not null && node != codeBlock; node = node.Parent)
        {
            if (node is MemberDeclarationSyntax and not GlobalStatementSyntax)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether one of the root's invocations is a training call (the same symbol test the flow uses).</summary>
    private static bool HasTrainingCall(IOperation root, TorchSymbols symbols)
    {
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
