using ClipGen;
using ExplodingGradients.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace ExplodingGradients;

/// <summary>Every method × every seed, as <see cref="Options"/> asks: the runs and seed 0's gradient histogram.</summary>
internal static class Training
{
    /// <summary>The TensorBoard run folder of one method and seed, under <c>--out</c>.</summary>
    public static string TensorBoardRun(Options options, string slug, int seed) =>
        Path.Combine(options.OutputDirectory, "tensorboard", $"{slug}-seed{seed}");

    /// <param name="options">Steps, seeds, output folder, TensorBoard on/off.</param>
    /// <param name="onStep">Called after every step with the method's index (progress bars).</param>
    /// <param name="onRunEnd">Called when a run ends (early when it diverged) with the method's index and the run.</param>
    public static (List<Run> Runs, GradientSample Histogram) RunAll(Options options, Action<int>? onStep = null, Action<int, Run>? onRunEnd = null)
    {
        // Small tensors: one thread is faster and steadier than two (measured on the 2-core reference machine), and the
        // figures must not depend on the machine's core count.
        set_num_threads(1);
        var runs = new List<Run>();
        var histogram = new GradientSample();
        for (int m = 0; m < Experiment.Methods.Count; m++)
        {
            var (name, slug, create) = Experiment.Methods[m];
            for (int seed = 0; seed < options.Seeds; seed++)
            {
                // The same seed gives every method the same initial weights and the same batches.
                random.manual_seed(seed);
                using var model = new TanhRnn(Experiment.HiddenSize, Experiment.RecurrentScale);
                GradNormMonitor? monitor = options.TensorBoard
                    ? new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(TensorBoardRun(options, slug, seed)), histogramEvery: 25)
                    : null;
                ITrainingMethod method = create(model, monitor);
                var run = new Run(name, seed, options.Steps);
                for (int step = 0; step < options.Steps && !run.Diverged; step++)
                {
                    using var scope = NewDisposeScope();
                    var (inputs, targets) = AddingProblem.Batch(Experiment.BatchSize, Experiment.SequenceLength);
                    StepOutcome outcome = method.Step(inputs, targets);
                    run.Record(outcome);
                    if (method is GeneratedClipNorm && seed == 0)
                    {
                        histogram.Add(model, outcome, GeneratedClipNorm.MaxNorm);
                    }

                    onStep?.Invoke(m);
                }

                onRunEnd?.Invoke(m, run);
                runs.Add(run);
            }
        }

        return (runs, histogram);
    }
}
