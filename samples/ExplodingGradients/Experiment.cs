using ClipGen;
using ExplodingGradients.Methods;
using static TorchSharp.torch;

namespace ExplodingGradients;

/// <summary>The task and hyper-parameters every method shares; only the clipping differs.</summary>
internal static class Experiment
{
    public const int SequenceLength = 20;
    public const int HiddenSize = 32;
    public const int BatchSize = 32;

    /// <summary>Aggressive on purpose: fine for small gradients, catastrophic for an exploded one.</summary>
    public const double LearningRate = 0.1;

    /// <summary>Spectral radius of the initial recurrent matrix (&gt; 1: the exploding regime).</summary>
    public const double RecurrentScale = 1.5;

    public const double AgcClipFactor = 0.05;

    /// <summary>Each method's name (table row), a short name (TensorBoard run folder) and how to build it.</summary>
    public static readonly IReadOnlyList<(string Name, string Slug, Func<TanhRnn, GradNormMonitor?, ITrainingMethod> Create)> Methods =
    [
        ("no clipping (control)", "unclipped", (model, monitor) => new Unclipped(model, LearningRate, monitor)),
        ($"[ClipGradNorm({GeneratedClipNorm.MaxNorm})]", "clip-grad-norm", (model, monitor) => new GeneratedClipNorm(model, LearningRate, monitor)),
        ($"AGC (clip factor {AgcClipFactor})", "agc", (model, monitor) => new Agc(model, LearningRate, AgcClipFactor, monitor)),
        ($"AutoClip (p{AutoClip.Percentile:0} of past norms)", "autoclip", (model, monitor) => new AutoClip(model, LearningRate, monitor)),
    ];
}

/// <summary>One training run: per step loss, pre-clip norm and whether it clipped; where it diverged.</summary>
internal sealed class Run(string method, int seed, int steps)
{
    public string Method { get; } = method;

    public int Seed { get; } = seed;

    public List<double> Losses { get; } = new(steps);

    public List<double> Norms { get; } = new(steps);

    public int ClippedSteps { get; private set; }

    /// <summary>The step whose loss or gradient norm was NaN or infinite; null when the run finished.</summary>
    public int? DivergedAt { get; private set; }

    public bool Diverged => DivergedAt is not null;

    /// <summary>The mean loss over the last tenth of the steps (finished runs only).</summary>
    public double FinalLoss
    {
        get
        {
            int window = Math.Max(1, Losses.Count / 10);
            return Diverged ? double.NaN : Losses.Skip(Losses.Count - window).Average();
        }
    }

    public void Record(StepOutcome outcome)
    {
        Losses.Add(outcome.Loss);
        Norms.Add(outcome.PreClipNorm);
        ClippedSteps += outcome.Clipped ? 1 : 0;
        if (!double.IsFinite(outcome.Loss) || !double.IsFinite(outcome.PreClipNorm))
        {
            DivergedAt = Losses.Count - 1;
        }
    }
}

/// <summary>Gradient entries before and after clipping, for the histogram.</summary>
internal sealed class GradientSample
{
    public List<double> Before { get; } = [];

    public List<double> After { get; } = [];

    /// <summary>
    /// Records the gradients a norm-clipping step left behind. Norm clipping multiplies every entry by the same
    /// <c>coef = maxNorm / (preClipNorm + 1e-6)</c>, so the pre-clip entries are the post-clip ones divided by it.
    /// </summary>
    public void Add(TanhRnn model, StepOutcome outcome, double maxNorm)
    {
        double coefficient = outcome.Clipped ? maxNorm / (outcome.PreClipNorm + 1e-6) : 1.0;
        using var scope = NewDisposeScope();
        foreach (var parameter in model.parameters())
        {
            if (parameter.grad is { } grad)
            {
                foreach (float value in grad.cpu().data<float>())
                {
                    After.Add(value);
                    Before.Add(value / coefficient);
                }
            }
        }
    }
}
