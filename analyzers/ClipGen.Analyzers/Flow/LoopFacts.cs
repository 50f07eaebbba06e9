using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// What each loop of the original tree (not the graph: a loop is a syntax-level scope) does to gradients, for
/// CG0003: whether it backprops, which optimizers it steps and whether it clears them.
/// </summary>
internal static class LoopFacts
{
    public static ImmutableArray<LoopFact> Collect(IOperation root, TorchSymbols symbols, HelperEffects helpers, OptimizerTable optimizers)
    {
        var loops = ImmutableArray.CreateBuilder<LoopFact>();
        foreach (IOperation node in OperationWalk.DescendantsOutsideNestedFunctions(root))
        {
            if (node is ILoopOperation loop)
            {
                loops.Add(Describe(loop, symbols, helpers, optimizers));
            }
        }

        return loops.ToImmutable();
    }

    private static LoopFact Describe(ILoopOperation loop, TorchSymbols symbols, HelperEffects helpers, OptimizerTable optimizers)
    {
        bool hasBackward = false, clearsAll = false, computesLoss = false, mayBackprop = MentionsBackward(loop.Syntax);
        var steps = ImmutableArray.CreateBuilder<(int, IInvocationOperation)>();
        var cleared = ImmutableHashSet.CreateBuilder<int>();
        SemanticModel? model = loop.SemanticModel;
        foreach (IOperation node in OperationWalk.DescendantsOutsideNestedFunctions(loop))
        {
            if (node is ISimpleAssignmentOperation assignment && (symbols.IsGradProperty(assignment.Target) || symbols.MaybeGradProperty(assignment.Target, model)))
            {
                clearsAll = true;
            }

            if (node is not IInvocationOperation invocation)
            {
                // Silent in doubt: a call that did not bind and could clear (an unbound model's zero_grad()).
                UnboundCallKind maybe = symbols.ClassifyUnbound(node, model);
                clearsAll |= maybe == UnboundCallKind.MaybeClear;
                mayBackprop |= maybe == UnboundCallKind.MaybeBackward;
                continue;
            }

            switch (symbols.Classify(invocation))
            {
                case TrainingCallKind.Backward:
                    hasBackward = true;
                    break;
                case TrainingCallKind.Step:
                    steps.Add((optimizers.IndexOf(invocation.Instance), invocation));
                    break;
                case TrainingCallKind.OptimizerZeroGrad:
                    cleared.Add(optimizers.IndexOf(invocation.Instance));
                    break;
                case TrainingCallKind.ModuleZeroGrad:
                    clearsAll = true;
                    break;
                case TrainingCallKind.Clip:
                    clearsAll |= symbols.IsAccumulatorStep(invocation);
                    break;
                case TrainingCallKind.None:
                    HelperEffect effect = invocation.TargetMethod is { } method ? helpers.Of(method) : HelperEffect.None;
                    clearsAll |= symbols.IsManualGradClear(invocation) || symbols.IsHandWrittenGradClear(invocation)
                        || (effect & HelperEffect.ClearsGradients) != 0;
                    computesLoss |= symbols.IsLossCall(invocation);
                    mayBackprop |= (effect & HelperEffect.Backward) != 0 || symbols.MayBackpropElsewhere(invocation);
                    break;
            }
        }

        return new LoopFact(loop, hasBackward, steps.ToImmutable(), cleared.ToImmutable(), clearsAll, computesLoss, mayBackprop);
    }

    /// <summary>A <c>backward</c> written in the loop (code, not comments: a commented-out backward is the bug CG0007 finds).</summary>
    private static bool MentionsBackward(SyntaxNode loop) =>
        loop.DescendantTokens().Any(t => t.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken) && t.ValueText is "backward" or "Backward");
}
