using System.Diagnostics;
using ExplodingGradients;
using Spectre.Console;

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

Directory.CreateDirectory(options.OutputDirectory);
AnsiConsole.MarkupLineInterpolated(
    $"[bold]Adding problem[/], length {Experiment.SequenceLength}, tanh RNN {Experiment.HiddenSize} units (recurrent spectral radius {Experiment.RecurrentScale}), SGD lr {Experiment.LearningRate}, batch {Experiment.BatchSize}; {options.Steps} steps × {options.Seeds} seeds.");
AnsiConsole.MarkupLineInterpolated($"Predicting the mean scores MSE {AddingProblem.BaselineMse:F3}; lower means the RNN carries information across the sequence.");

var stopwatch = Stopwatch.StartNew();
List<Run> runs = [];
GradientSample histogram = new();
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(context =>
    {
        var tasks = Experiment.Methods.Select(m => context.AddTask(Markup.Escape(m.Name), maxValue: options.Steps * options.Seeds)).ToList();
        (runs, histogram) = Training.RunAll(
            options,
            onStep: m => tasks[m].Increment(1),
            // A diverged run stops early: count its remaining steps as done for the bar.
            onRunEnd: (m, run) => tasks[m].Value = (run.Seed + 1) * options.Steps);
    });
TimeSpan trainingTime = stopwatch.Elapsed;

IReadOnlyList<ReportRow> rows = Report.Rows(runs, Experiment.Methods.Select(m => m.Name).ToList());
Report.Print(rows, options);
var files = Plots.Write(runs, histogram, options.OutputDirectory);
AnsiConsole.MarkupLineInterpolated($"Trained {runs.Count} runs in {trainingTime.TotalSeconds:F1} s. Plots:");
foreach (string file in files)
{
    AnsiConsole.MarkupLineInterpolated($"  {Path.GetFullPath(file)}");
}

if (options.TensorBoard)
{
    string logDir = Path.GetFullPath(Path.Combine(options.OutputDirectory, "tensorboard"));
    AnsiConsole.MarkupLineInterpolated($"TensorBoard runs (one per method and seed): {logDir}");
    AnsiConsole.MarkupLineInterpolated($"  open them with: tensorboard --logdir {logDir}");
}

if (options.UpdateReadme is string readme)
{
    File.WriteAllText(readme, ReadmeTable.Replace(File.ReadAllText(readme), Report.Markdown(rows, options)));
    AnsiConsole.MarkupLineInterpolated($"Updated the results table of {Path.GetFullPath(readme)}");
}

return 0;
