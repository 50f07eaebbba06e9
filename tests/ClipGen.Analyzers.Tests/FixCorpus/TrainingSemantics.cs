using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Tests.FixCorpus;

/// <summary>
/// Training-semantics facts of a compilation, computed on each body's control-flow graph independently of the rules
/// (so a fix cannot pass by silencing the rule that reports it):
/// <list type="bullet">
/// <item><b>Clip on a partial sum</b>: from a clip, a backward() is reachable before any step — the clip runs on a
/// micro-batch the step does not consume (clipping every micro-batch of an accumulation).</item>
/// <item><b>Steps share gradients</b>: from a step of optimizer o, a step of o (itself again, through a loop) is
/// reachable with no clearing of o's gradients in between — gradients sum across optimizer steps.</item>
/// </list>
/// Both are path-insensitive (every CFG edge may be taken), so they are compared before/after a fix: a fix must not
/// add any.
/// </summary>
internal sealed class TrainingSemantics
{
    private readonly TorchSymbols symbols;
    private readonly HelperEffects helpers;

    private TrainingSemantics(TorchSymbols symbols, HelperEffects helpers)
    {
        this.symbols = symbols;
        this.helpers = helpers;
    }

    /// <summary>Clips from which a backward() is reachable before a step, as "method: clip text".</summary>
    public List<string> PartialSumClips { get; } = new();

    /// <summary>Pairs of steps of one optimizer with no clearing between them, as "method: o#i → o#j" (ordinals in source order).</summary>
    public HashSet<string> SharedGradientSteps { get; } = new();

    /// <summary>How many step() and backward() calls the bodies make (a fix must keep every one).</summary>
    public int Steps { get; private set; }

    public int Backwards { get; private set; }

    public static TrainingSemantics Of(Compilation compilation)
    {
        TorchSymbols symbols = TorchSymbols.For(compilation) ?? throw new InvalidOperationException("TorchSharp is not referenced");
        var facts = new TrainingSemantics(symbols, new HelperEffects(compilation, symbols));
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            SyntaxNode root = tree.GetRoot();
            var bodies = root.DescendantNodesAndSelf().Where(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax
                || (n is CompilationUnitSyntax unit && unit.Members.OfType<GlobalStatementSyntax>().Any()));
            foreach (SyntaxNode body in bodies)
            {
                ControlFlowGraph? cfg = model.GetOperation(body) switch
                {
                    IMethodBodyOperation method => ControlFlowGraph.Create(method),
                    IConstructorBodyOperation constructor => ControlFlowGraph.Create(constructor),
                    _ => null,
                };
                if (cfg is not null)
                {
                    facts.Walk(cfg, Name(body));
                }
            }
        }

        return facts;
    }

    private static string Name(SyntaxNode body) => body switch
    {
        MethodDeclarationSyntax m => m.Identifier.ValueText,
        ConstructorDeclarationSyntax c => c.Identifier.ValueText + "..ctor",
        CompilationUnitSyntax => "<top-level>",
        _ => body.RawKind.ToString(System.Globalization.CultureInfo.InvariantCulture) + "@" + body.SpanStart.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private void Walk(ControlFlowGraph cfg, string name)
    {
        Check(cfg, name);
        foreach (IMethodSymbol local in cfg.LocalFunctions)
        {
            Walk(cfg.GetLocalFunctionControlFlowGraph(local), name + "." + local.Name);
        }

        int lambdas = 0;
        foreach (BasicBlock block in cfg.Blocks)
        {
            foreach (IOperation operation in block.Operations.Concat(block.BranchValue is null ? [] : [block.BranchValue]))
            {
                foreach (IFlowAnonymousFunctionOperation lambda in operation.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                {
                    Walk(cfg.GetAnonymousFunctionControlFlowGraph(lambda), $"{name}.lambda{lambdas++}");
                }
            }
        }
    }

    private enum Kind
    {
        Backward,
        Step,
        Clear,
        ClearAll,
        Clip,
    }

    private readonly record struct Event(Kind Kind, string Optimizer, IOperation Call);

    private void Check(ControlFlowGraph cfg, string name)
    {
        ImmutableArray<BasicBlock> blocks = cfg.Blocks;
        var events = blocks.Select(b => Events(b).ToList()).ToArray();
        Steps += events.Sum(e => e.Count(x => x.Kind == Kind.Step));
        Backwards += events.Sum(e => e.Count(x => x.Kind == Kind.Backward));
        var stepOrdinals = events.SelectMany(e => e).Where(e => e.Kind == Kind.Step)
            .OrderBy(e => e.Call.Syntax.SpanStart)
            .GroupBy(e => e.Optimizer)
            .SelectMany(g => g.Select((e, i) => (e.Call, Label: $"{g.Key}#{i}")))
            .ToDictionary(p => p.Call, p => p.Label);

        for (int b = 0; b < blocks.Length; b++)
        {
            for (int i = 0; i < events[b].Count; i++)
            {
                Event e = events[b][i];
                if (e.Kind == Kind.Clip && Reaches(blocks, events, b, i + 1, x => x.Kind == Kind.Backward, x => x.Kind == Kind.Step).Any())
                {
                    PartialSumClips.Add($"{name}: {e.Call.Syntax}");
                }
                else if (e.Kind == Kind.Step)
                {
                    foreach (Event next in Reaches(blocks, events, b, i + 1,
                        x => x.Kind == Kind.Step && x.Optimizer == e.Optimizer,
                        x => x.Kind == Kind.ClearAll || (x.Kind == Kind.Clear && x.Optimizer == e.Optimizer)))
                    {
                        SharedGradientSteps.Add($"{name}: {stepOrdinals[e.Call]} -> {stepOrdinals[next.Call]}");
                    }
                }
            }
        }
    }

    /// <summary>Events matching <paramref name="target"/> reachable from (block, index) without crossing a <paramref name="stop"/> event.</summary>
    private static IEnumerable<Event> Reaches(ImmutableArray<BasicBlock> blocks, List<Event>[] events, int block, int index, Func<Event, bool> target, Func<Event, bool> stop)
    {
        var found = new List<Event>();
        var seen = new HashSet<int>();
        var work = new Stack<(int Block, int Index)>();
        work.Push((block, index));
        while (work.Count > 0)
        {
            (int b, int start) = work.Pop();
            bool stopped = false;
            for (int i = start; i < events[b].Count && !stopped; i++)
            {
                if (target(events[b][i]))
                {
                    found.Add(events[b][i]);
                    stopped = true;
                }
                else if (stop(events[b][i]))
                {
                    stopped = true;
                }
            }

            if (stopped)
            {
                continue;
            }

            foreach (ControlFlowBranch? branch in new[] { blocks[b].FallThroughSuccessor, blocks[b].ConditionalSuccessor })
            {
                if (branch?.Destination is { } next && seen.Add(next.Ordinal))
                {
                    work.Push((next.Ordinal, 0));
                }
            }
        }

        return found;
    }

    private IEnumerable<Event> Events(BasicBlock block)
    {
        if (!block.IsReachable)
        {
            yield break;
        }

        foreach (IOperation operation in block.Operations.Concat(block.BranchValue is null ? [] : [block.BranchValue]))
        {
            foreach (Event e in EventsOf(operation))
            {
                yield return e;
            }
        }
    }

    /// <summary>Post-order (evaluation order); lambdas have their own graphs.</summary>
    private IEnumerable<Event> EventsOf(IOperation operation)
    {
        if (operation is IFlowAnonymousFunctionOperation)
        {
            yield break;
        }

        foreach (IOperation child in operation.ChildOperations)
        {
            foreach (Event e in EventsOf(child))
            {
                yield return e;
            }
        }

        if (operation is ISimpleAssignmentOperation assignment && symbols.IsGradProperty(assignment.Target))
        {
            yield return new Event(Kind.ClearAll, "", operation);
        }

        if (operation is not IInvocationOperation call)
        {
            yield break;
        }

        switch (symbols.Classify(call))
        {
            case TrainingCallKind.Backward:
                yield return new Event(Kind.Backward, "", call);
                break;
            case TrainingCallKind.Step:
                yield return new Event(Kind.Step, OptimizerKey(call), call);
                break;
            case TrainingCallKind.OptimizerZeroGrad:
                yield return new Event(Kind.Clear, OptimizerKey(call), call);
                break;
            case TrainingCallKind.ModuleZeroGrad:
                yield return new Event(Kind.ClearAll, "", call);
                break;
            case TrainingCallKind.Clip:
                yield return new Event(symbols.IsAccumulatorStep(call) ? Kind.ClearAll : Kind.Clip, "", call);
                break;
            default:
                HelperEffect effect = call.TargetMethod is { } method ? helpers.Of(method) : HelperEffect.None;
                if ((effect & HelperEffect.Clips) != 0)
                {
                    yield return new Event(Kind.Clip, "", call);
                }

                if ((effect & HelperEffect.ClearsGradients) != 0 || symbols.IsManualGradClear(call))
                {
                    yield return new Event(Kind.ClearAll, "", call);
                }

                break;
        }
    }

    private static string OptimizerKey(IInvocationOperation call) => OperationWalk.WithoutConversions(call.Instance) switch
    {
        ILocalReferenceOperation local => local.Local.Name,
        IParameterReferenceOperation parameter => parameter.Parameter.Name,
        IMemberReferenceOperation member => member.Member.Name,
        { } other => other.Syntax.ToString(),
        null => "?",
    };
}
