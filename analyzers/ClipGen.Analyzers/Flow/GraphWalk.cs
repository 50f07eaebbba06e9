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

                if (found(destination.Ordinal))
                {
                    return true;
                }

                work.Push(destination);
            }
        }

        return false;
    }
}
