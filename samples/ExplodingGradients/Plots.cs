using ScottPlot;

namespace ExplodingGradients;

/// <summary>The PNG figures: loss and pre-clip gradient norm per step, and the gradient-value histogram.</summary>
internal static class Plots
{
    private static readonly Color[] Palette =
        [Colors.Red, Colors.RoyalBlue, Colors.SeaGreen, Colors.DarkOrange, Colors.Purple, Colors.Brown];

    public static IReadOnlyList<string> Write(IReadOnlyList<Run> runs, GradientSample histogram, string directory)
    {
        string loss = Path.Combine(directory, "loss.png");
        string norm = Path.Combine(directory, "grad-norm.png");
        string values = Path.Combine(directory, "grad-histogram.png");
        PerStep(runs, r => MovingMean(r.Losses, 10), "Training loss per step (10-step mean), every seed; × = diverged (NaN/inf)",
            "MSE loss (log scale)", loss, capLog10: 3);
        PerStep(runs, r => r.Norms, "Total gradient norm before clipping, per step, every seed; × = diverged (NaN/inf)",
            "||g||2 before clipping (log scale)", norm, capLog10: 8);
        Histogram(histogram, values);
        return [loss, norm, values];
    }

    /// <param name="capLog10">The top of the y axis (log10): exploded values run off the top instead of flattening the rest.</param>
    private static void PerStep(IReadOnlyList<Run> runs, Func<Run, List<double>> series, string title, string yLabel, string path, double capLog10)
    {
        double bottom = double.PositiveInfinity;
        var plot = new Plot();
        var methods = runs.Select(r => r.Method).Distinct().ToList();
        foreach (Run run in runs)
        {
            List<double> ys = series(run);
            // log10 of the finite values; a run stops at its first NaN/inf (marked with an ×).
            var points = ys.Select((y, step) => (step, y)).Where(p => double.IsFinite(p.y) && p.y > 0).ToArray();
            Color color = Palette[methods.IndexOf(run.Method) % Palette.Length];
            var line = plot.Add.ScatterLine(points.Select(p => (double)p.step).ToArray(), points.Select(p => Math.Log10(p.y)).ToArray());
            line.Color = color.WithAlpha(0.75);
            line.LineWidth = 1.2f;
            if (run.Seed == 0)
            {
                line.LegendText = run.Method;
            }

            if (run.DivergedAt is int at && points.Length > 0)
            {
                var marker = plot.Add.Marker(at, Math.Min(Math.Log10(points[^1].y), capLog10), MarkerShape.Eks, size: 14);
                marker.Color = color;
                marker.LineWidth = 2;
            }

            bottom = Math.Min(bottom, points.Length == 0 ? 0 : points.Min(p => Math.Log10(p.y)));
        }

        plot.Axes.SetLimitsY(Math.Floor(bottom) - 0.2, capLog10 + 0.2);
        plot.Title(title);
        plot.XLabel("training step");
        plot.YLabel(yLabel);
        LogTicks(plot);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1100, 600);
    }

    private static void Histogram(GradientSample sample, string path)
    {
        var plot = new Plot();
        const double lo = -7, hi = 2;
        const int bins = 54;
        AddHistogram(plot, sample.Before, lo, hi, bins, Colors.Red, "before clipping");
        AddHistogram(plot, sample.After, lo, hi, bins, Colors.RoyalBlue, "after clipping");
        plot.Title("Gradient entries before vs after [ClipGradNorm] clipping (seed 0, every step)");
        plot.XLabel("|gradient entry| (log scale)");
        plot.YLabel("share of entries");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = x => $"1e{x:0}",
        };
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1100, 600);
    }

    private static void AddHistogram(Plot plot, List<double> values, double lo, double hi, int bins, Color color, string label)
    {
        double width = (hi - lo) / bins;
        double[] counts = new double[bins];
        int total = 0;
        foreach (double value in values)
        {
            double magnitude = Math.Abs(value);
            if (!double.IsFinite(magnitude) || magnitude == 0)
            {
                continue;
            }

            int bin = (int)Math.Floor((Math.Log10(magnitude) - lo) / width);
            counts[Math.Clamp(bin, 0, bins - 1)]++;
            total++;
        }

        double[] xs = Enumerable.Range(0, bins).Select(i => lo + (i + 0.5) * width).ToArray();
        double[] shares = counts.Select(c => total == 0 ? 0 : c / total).ToArray();
        var bars = plot.Add.Bars(xs, shares);
        foreach (var bar in bars.Bars)
        {
            bar.FillColor = color.WithAlpha(0.45);
            bar.LineWidth = 0;
            bar.Size = width;
        }

        bars.LegendText = label;
    }

    /// <summary>The mean of the last <paramref name="window"/> values at each step (NaN/inf pass through).</summary>
    private static List<double> MovingMean(List<double> values, int window)
    {
        var means = new List<double>(values.Count);
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            means.Add(double.IsFinite(values[i]) ? sum / Math.Min(i + 1, window) : values[i]);
        }

        return means;
    }

    private static void LogTicks(Plot plot) =>
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => $"1e{y:0}",
        };
}
