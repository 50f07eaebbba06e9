using Microsoft.CodeAnalysis.FlowAnalysis;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// Reachability within one loop iteration: the walk follows only forward edges (a back-edge is where the next
/// iteration starts). Blocks are numbered in source order, so an edge to the same or an earlier block is a back-edge.
/// </summary>
internal static class GraphWalk
{
    public static bool IsBackEdge(ControlFlowBranch branch) =>
        branch.Destination is { } destination && branch.Source.Ordinal >= destination.Ordinal;

    /// <summary>Whether a block satisfying <paramref name="found"/> is entered through <paramref name="branch"/> or after it, in the same iteration.</summary>
    public static bool ReachesThrough(ControlFlowBranch branch, Func<int, bool> found) =>
        branch.Destination is { } start && !IsBackEdge(branch) && (found(start.Ordinal) || ReachesAfter(start, found));

    /// <summary>Whether a block after <paramref name="start"/> (not <paramref name="start"/> itself) satisfying <paramref name="found"/> is reachable in the same iteration.</summary>
    public static bool ReachesAfter(BasicBlock start, Func<int, bool> found)
    {
        bool any = false;
        Search(start, b => !any && !(any = found(b)));
        return any;
    }

    /// <summary>
    /// Visits the blocks after <paramref name="start"/> reachable in the same iteration, each once, in no set
    /// order; the walk does not go on through a block for which <paramref name="visit"/> returns false.
    /// </summary>
    public static void Search(BasicBlock start, Func<int, bool> visit)
    {
        var seen = new HashSet<int> { start.Ordinal };
        var work = new Stack<BasicBlock>();
        work.Push(start);
        while (work.Count > 0)
        {
            BasicBlock block = work.Pop();
            foreach (ControlFlowBranch? next in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
            {
                if (next?.Destination is not { } destination || IsBackEdge(next) || !seen.Add(destination.Ordinal))
                {
                    continue;
                }

                if (visit(destination.Ordinal))
                {
                    work.Push(destination);
                }
            }
        }
    }
}
