using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>
/// The non-null gradients of a parameter list, read once. Must be created inside a DisposeScope owned by the
/// caller: every <c>.grad</c> read returns a new wrapper registered on the current scope.
/// </summary>
internal sealed class GradSet
{
    private GradSet(List<Tensor> parameters, List<Tensor> grads, List<int> indices, IReadOnlyList<string>? names, List<GradGroup> groups)
    {
        Parameters = parameters;
        Grads = grads;
        Indices = indices;
        Names = names;
        Groups = groups;
    }

    /// <summary>The parameters that have a gradient, in input order.</summary>
    public List<Tensor> Parameters { get; }

    /// <summary>Their gradients (same order).</summary>
    public List<Tensor> Grads { get; }

    /// <summary>The position of each gradient's parameter in the caller's sequence.</summary>
    public List<int> Indices { get; }

    /// <summary>Parameter names by input position, when known (<c>named_parameters</c>).</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The gradients grouped by (device, dtype), in order of first appearance.</summary>
    public List<GradGroup> Groups { get; }

    public int Count => Grads.Count;

    /// <summary>Reads every gradient and validates it; throws before anything is modified.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="names">Their names by position, when known.</param>
    /// <param name="argumentName">How errors name <paramref name="parameters"/>.</param>
    /// <param name="distinct">Keep only the first occurrence of a parameter listed more than once.</param>
    public static GradSet Collect(IEnumerable<Tensor> parameters, IReadOnlyList<string>? names = null, string argumentName = "parameters", bool distinct = false)
    {
        if (parameters is null) throw new ArgumentNullException(argumentName);
        var ps = new List<Tensor>();
        var gs = new List<Tensor>();
        var ix = new List<int>();
        var groups = new List<GradGroup>(1);
        HashSet<Tensor>? seen = distinct ? new HashSet<Tensor>(ReferenceEqualityComparer.Instance) : null;
        int i = 0;
        foreach (Tensor p in parameters)
        {
            if (p is null)
                throw new ArgumentException($"{argumentName}[{i}] is null; every element must be a tensor (a parameter whose .grad may be null).", argumentName);
            if (seen is not null && !seen.Add(p))
            {
                i++;
                continue;
            }

            Tensor? g = p.grad;
            if (g is not null)
            {
                if (!NativeProbes.SameShape(g, p))
                    throw new ArgumentException(
                        $"The gradient of {Describe(i, names, p)} has shape {Shape(g.shape)}, which differs from its parameter's shape {Shape(p.shape)}; a gradient must have its parameter's shape.",
                        argumentName);
                ps.Add(p);
                gs.Add(g);
                ix.Add(i);
                GradGroup.Add(groups, g);
            }

            i++;
        }

        return new GradSet(ps, gs, ix, names, groups);
    }

    /// <summary>Wraps tensors that are themselves gradients (<see cref="GradClip.GetTotalNorm"/>); null entries are skipped.</summary>
    public static GradSet FromGradients(IEnumerable<Tensor> gradients, string argumentName)
    {
        if (gradients is null) throw new ArgumentNullException(argumentName);
        var gs = new List<Tensor>();
        var ix = new List<int>();
        int i = 0;
        foreach (Tensor? g in gradients)
        {
            if (g is not null)
            {
                gs.Add(g);
                ix.Add(i);
            }

            i++;
        }

        return new GradSet(gs, gs, ix, null, GradGroup.Of(gs));
    }

    /// <summary>"parameters[3] 'fc1.weight' [4, 3]" — how errors name a parameter.</summary>
    public string Describe(int k) => Describe(Indices[k], Names, Grads[k]);

    private static string Describe(int index, IReadOnlyList<string>? names, Tensor t)
    {
        string name = names is not null && index < names.Count ? $" '{names[index]}'" : "";
        return $"parameters[{index}]{name} (shape {Shape(t.shape)})";
    }

    internal static string Shape(long[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
