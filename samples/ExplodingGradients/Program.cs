using System.Diagnostics;
using ExplodingGradients;
using ExplodingGradients.Methods;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

// Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks": a tanh RNN
// on the adding problem at an aggressive learning rate, trained over several seeds without clipping and
// with three kinds of clipping. Every figure printed or plotted is measured in this run.
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
    return 2;
}

// Redirected output (a log file, CI) gets a wide table instead of the 80-column default.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 160;
}

// Small tensors: one thread is faster and steadier than two (measured on the 2-core reference machine).
set_num_threads(1);
Directory.CreateDirectory(options.OutputDirectory);
AnsiConsole.MarkupLineInterpolated(
    $"[bold]Adding problem[/], length {Experiment.SequenceLength}, tanh RNN {Experiment.HiddenSize} units (recurrent spectral radius {Experiment.RecurrentScale}), SGD lr {Experiment.LearningRate}, batch {Experiment.BatchSize}; {options.Steps} steps × {options.Seeds} seeds.");
AnsiConsole.MarkupLineInterpolated($"Predicting the mean scores MSE {AddingProblem.BaselineMse:F3}; lower means the RNN carries information across the sequence.");

var stopwatch = Stopwatch.StartNew();
var runs = new List<Run>();
var histogram = new GradientSample();
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(context =>
    {
        var tasks = Experiment.Methods.Select(m => context.AddTask(Markup.Escape(m.Name), maxValue: options.Steps * options.Seeds)).ToList();
        for (int m = 0; m < Experiment.Methods.Count; m++)
        {
            var (name, create) = Experiment.Methods[m];
            for (int seed = 0; seed < options.Seeds; seed++)
            {
                // The same seed gives every method the same initial weights and the same batches.
                random.manual_seed(seed);
                using var model = new TanhRnn(Experiment.HiddenSize, Experiment.RecurrentScale);
                ITrainingMethod method = create(model);
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

                    tasks[m].Increment(1);
                }

                // A diverged run stops early: count its remaining steps as done for the bar.
                tasks[m].Value = (seed + 1) * options.Steps;
                runs.Add(run);
            }
        }
    });
TimeSpan trainingTime = stopwatch.Elapsed;

Report.Print(runs, Experiment.Methods.Select(m => m.Name).ToList(), options);
var files = Plots.Write(runs, histogram, options.OutputDirectory);
AnsiConsole.MarkupLineInterpolated($"Trained {runs.Count} runs in {trainingTime.TotalSeconds:F1} s. Plots:");
foreach (string file in files)
{
    AnsiConsole.MarkupLineInterpolated($"  {Path.GetFullPath(file)}");
}

return 0;
