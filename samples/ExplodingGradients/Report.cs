using System.Globalization;
using System.Text;
using ClipGen;
using Spectre.Console;

namespace ExplodingGradients;

/// <summary>One row of the results table: a method over all seeds, every cell already formatted.</summary>
internal sealed record ReportRow(string Method, string Diverged, string DivergedSteps, string FinalLoss, string FinalLossRange, string ClipRate, string Norms);

/// <summary>The results table: one row per method, over all seeds; printed to the console and as Markdown for the README.</summary>
internal static class Report
{
    public static IReadOnlyList<ReportRow> Rows(IReadOnlyList<Run> runs, IReadOnlyList<string> methods)
    {
        var rows = new List<ReportRow>();
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

            var at = mine.Where(r => r.Diverged).Select(r => r.DivergedAt!.Value).Order().ToList();
            rows.Add(new ReportRow(
                method,
                Invariant($"{mine.Count(r => r.Diverged)} / {mine.Count}"),
                at.Count == 0 ? "" : Invariant($"(step{(at.Count > 1 ? "s" : "")} {string.Join(", ", at)})"),
                finished.Count == 0 ? "—" : Invariant($"{Median(finished):F4}"),
                finished.Count == 0 ? "" : Invariant($"({finished[0]:F4}–{finished[^1]:F4})"),
                steps == 0 ? "—" : Invariant($"{100.0 * clipped / steps:F1} %"),
                Invariant($"{monitor.Percentile(50):G3} / {monitor.Percentile(90):G3} / {monitor.Percentile(99):G3} / {monitor.Percentile(100):G3}")));
        }

        return rows;
    }

    public static void Print(IReadOnlyList<ReportRow> rows, Options options)
    {
        var table = new Table()
            .Title($"[bold]{options.Seeds} seeds × {options.Steps} steps[/]")
            .AddColumn("method")
            .AddColumn(new TableColumn("diverged (NaN/inf)").RightAligned())
            .AddColumn(new TableColumn("final loss, median [dim](min–max)[/]").RightAligned())
            .AddColumn(new TableColumn("clip rate").RightAligned())
            .AddColumn(new TableColumn("pre-clip grad norm p50 / p90 / p99 / max").RightAligned());
        foreach (ReportRow row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Method),
                Markup.Escape(row.Diverged) + (row.DivergedSteps.Length == 0 ? "" : $" [dim]{Markup.Escape(row.DivergedSteps)}[/]"),
                Markup.Escape(row.FinalLoss) + (row.FinalLossRange.Length == 0 ? "" : $" [dim]{Markup.Escape(row.FinalLossRange)}[/]"),
                Markup.Escape(row.ClipRate),
                Markup.Escape(row.Norms));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"final loss: mean of the last 10 % of steps, finished runs only; predicting the mean scores {AddingProblem.BaselineMse:F3}.");
    }

    /// <summary>The table as the README shows it (the <c>--update-readme</c> output; a test compares it with a run's).</summary>
    public static string Markdown(IReadOnlyList<ReportRow> rows, Options options)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{options.Seeds} seeds × {options.Steps} steps:\n\n");
        text.Append("| method | diverged | final loss, median (min–max) | clip rate | pre-clip norm p50 / p90 / p99 / max |\n");
        text.Append("|---|---|---|---|---|\n");
        foreach (ReportRow row in rows)
        {
            string method = row.Method.Contains('[', StringComparison.Ordinal) ? $"`{row.Method}`" : row.Method;
            text.Append(CultureInfo.InvariantCulture,
                $"| {method} | {Join(row.Diverged, row.DivergedSteps)} | {Join(row.FinalLoss, row.FinalLossRange)} | {row.ClipRate} | {row.Norms} |\n");
        }

        return text.ToString();
    }

    private static string Join(string value, string detail) => detail.Length == 0 ? value : $"{value} {detail}";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
