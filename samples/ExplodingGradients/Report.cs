using ClipGen;
using Spectre.Console;

namespace ExplodingGradients;

/// <summary>The results table: one row per method, over all seeds.</summary>
internal static class Report
{
    public static void Print(IReadOnlyList<Run> runs, IReadOnlyList<string> methods, Options options)
    {
        var table = new Table()
            .Title($"[bold]{options.Seeds} seeds × {options.Steps} steps[/]")
            .AddColumn("method")
            .AddColumn(new TableColumn("diverged (NaN/inf)").RightAligned())
            .AddColumn(new TableColumn("final loss, median [dim](min–max)[/]").RightAligned())
            .AddColumn(new TableColumn("clip rate").RightAligned())
            .AddColumn(new TableColumn("pre-clip grad norm p50 / p90 / p99 / max").RightAligned());
        foreach (string method in methods)
        {
            var mine = runs.Where(r => r.Method == method).ToList();
            var finished = mine.Where(r => !r.Diverged).Select(r => r.FinalLoss).Order().ToList();
            int steps = mine.Sum(r => r.Losses.Count);
            int clipped = mine.Sum(r => r.ClippedSteps);

            // The monitor computes the percentiles of the finite norms (NumPy's linear interpolation).
            var monitor = new GradNormMonitor();
            foreach (double norm in mine.SelectMany(r => r.Norms))
            {
                monitor.Record(norm, norm, clipped: false, nonFinite: !double.IsFinite(norm));
            }

            table.AddRow(
                Markup.Escape(method),
                $"{mine.Count(r => r.Diverged)} / {mine.Count}" + DivergedSteps(mine),
                finished.Count == 0 ? "—" : $"{Median(finished):F4} [dim]({finished[0]:F4}–{finished[^1]:F4})[/]",
                steps == 0 ? "—" : $"{100.0 * clipped / steps:F1} %",
                $"{monitor.Percentile(50):G3} / {monitor.Percentile(90):G3} / {monitor.Percentile(99):G3} / {monitor.Percentile(100):G3}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"final loss: mean of the last 10 % of steps, finished runs only; predicting the mean scores {AddingProblem.BaselineMse:F3}.");
    }

    private static string DivergedSteps(List<Run> runs)
    {
        var at = runs.Where(r => r.Diverged).Select(r => r.DivergedAt!.Value).Order().ToList();
        return at.Count == 0 ? "" : $" [dim](step {string.Join(", ", at)})[/]";
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
