using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ClipGen.Benchmarks;

/// <summary>
/// Ratios of medians (BenchmarkDotNet's own Ratio column uses means): each case against the baseline
/// of its class and category with the same parameters (a joined run holds several classes). Written as a Markdown table.
/// </summary>
internal static class MedianRatios
{
    public static string Table(Summary summary)
    {
        var rows = summary.Reports
            .Where(r => r.ResultStatistics is not null)
            .Select(r => (
                Case: r.BenchmarkCase,
                Type: r.BenchmarkCase.Descriptor.Type.Name,
                Category: string.Join(",", r.BenchmarkCase.Descriptor.Categories),
                Params: r.BenchmarkCase.Parameters.DisplayInfo,
                Median: r.ResultStatistics!.Median / 1000.0))
            .ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| parameters | class | category | method | median µs | baseline median µs | baseline / method |");
        sb.AppendLine("|---|---|---|---|---:|---:|---:|");
        foreach (var row in rows.OrderBy(r => r.Params, StringComparer.Ordinal).ThenBy(r => r.Type, StringComparer.Ordinal).ThenBy(r => r.Category, StringComparer.Ordinal))
        {
            var baseline = rows.FirstOrDefault(b => b.Type == row.Type && b.Category == row.Category && b.Params == row.Params && b.Case.Descriptor.Baseline);
            string baseMedian = baseline.Case is null ? "" : F(baseline.Median);
            string speedup = baseline.Case is null ? "" : (baseline.Median / row.Median).ToString("0.00", CultureInfo.InvariantCulture) + "×";
            sb.AppendLine($"| {row.Params} | {row.Type} | {row.Category} | {row.Case.Descriptor.WorkloadMethod.Name} | {F(row.Median)} | {baseMedian} | {speedup} |");
        }

        return sb.ToString();
    }

    public static void Write(IEnumerable<Summary> summaries)
    {
        foreach (Summary summary in summaries)
        {
            string table = Table(summary);
            Console.WriteLine();
            Console.WriteLine("Median ratios (baseline median / method median; > 1 means faster than the baseline):");
            Console.WriteLine(table);
            string path = Path.Combine(summary.ResultsDirectoryPath, $"{summary.Title}-median-ratios.md");
            File.WriteAllText(path, table);
            Console.WriteLine($"Written to {path}");
        }
    }

    private static string F(double micros) => micros.ToString(micros < 100 ? "0.0" : "0", CultureInfo.InvariantCulture);
}
