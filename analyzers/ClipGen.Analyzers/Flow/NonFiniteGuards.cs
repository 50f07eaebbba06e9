using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// Branches on a non-finite fact (<c>if (!clip.SkipStep) step();</c>, <c>if (double.IsFinite(norm))</c>…): the edge
/// on which the step is skipped discards the pending gradients on purpose, so the next iteration's zero_grad is
/// the intended discard, not a CG0002 through the back-edge. A periodic guard (<c>if ((i + 1) % k == 0) step();</c>)
/// is not such a fact: its skipped iterations keep the gradients (the accumulation bug). The null check of
/// <c>optimizer?.step()</c> is one: with no optimizer nothing is trained, whatever happens to the gradients.
/// </summary>
internal static class NonFiniteGuards
{
    /// <summary>
    /// Edges (source block, conditional or fall-through) out of a branch on a non-finite fact that reach no step
    /// within the iteration while the other edge does: the path on which the step is skipped.
    /// </summary>
    public static HashSet<(int Source, bool Conditional)> DiscardEdges(FlowEvents events, TorchSymbols symbols, IOperation root)
    {
        var edges = new HashSet<(int, bool)>();
        foreach (BasicBlock block in events.Blocks)
        {
            if (!block.IsReachable || block.ConditionalSuccessor is not { } conditional || block.FallThroughSuccessor is not { } fallThrough
                || block.BranchValue is not { } condition || !(IsGuard(condition, symbols, root) || condition is IIsNullOperation))
            {
                continue;
            }

            bool conditionalSteps = GraphWalk.ReachesThrough(conditional, b => events.BlockHas(b, TrainingCallKind.Step));
            bool fallThroughSteps = GraphWalk.ReachesThrough(fallThrough, b => events.BlockHas(b, TrainingCallKind.Step));
            if (conditionalSteps != fallThroughSteps)
            {
                edges.Add((block.Ordinal, !conditionalSteps));
            }
        }

        return edges;
    }

    private static bool IsGuard(IOperation condition, TorchSymbols symbols, IOperation root)
    {
        foreach (IOperation node in condition.DescendantsAndSelf())
        {
            if (symbols.IsNonFiniteFact(node) || (node is ILocalReferenceOperation local && IsNonFiniteLocal(local.Local, symbols, root)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>bool finite = double.IsFinite(norm);</c>: a local whose every value is a non-finite fact.</summary>
    private static bool IsNonFiniteLocal(ILocalSymbol local, TorchSymbols symbols, IOperation root)
    {
        bool any = false;
        foreach (IOperation node in OperationWalk.DescendantsOutsideNestedFunctions(root))
        {
            bool writes = node switch
            {
                IVariableDeclaratorOperation declarator => SymbolEqualityComparer.Default.Equals(declarator.Symbol, local),
                IAssignmentOperation { Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, local),
                _ => false,
            };
            if (!writes)
            {
                continue;
            }

            IOperation? value = node switch
            {
                IVariableDeclaratorOperation declarator => declarator.Initializer?.Value,
                ISimpleAssignmentOperation assignment => assignment.Value,
                _ => null, // compound assignment: mixes in something else
            };
            if (value is null || !value.DescendantsAndSelf().Any(symbols.IsNonFiniteFact))
            {
                return false;
            }

            any = true;
        }

        return any;
    }
}
