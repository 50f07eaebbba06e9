using ClipGen.Testing;
using ClipGen.TorchSharp.Tests.Monitoring;
using ExplodingGradients;

namespace ClipGen.Docs.Tests;

/// <summary>
/// The main sample's figures are reproducible and the README quotes the ones a run prints; its TensorBoard option
/// writes what the runs measured. The experiment runs in-process (the sample's own <see cref="Training"/> code).
/// </summary>
public sealed class ExplodingGradientsTests : IDisposable
{
    /// <summary>Reduced but the same code: 2 seeds × 90 steps still has every unclipped run diverge (at 31–85).</summary>
    private static readonly Options Reduced = new(Steps: 90, Seeds: 2, OutputDirectory: "");

    private readonly string _out = Directory.CreateTempSubdirectory("clipgen-eg-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void Two_seeded_runs_print_the_same_table()
    {
        string first = Table(Reduced with { OutputDirectory = _out });
        string second = Table(Reduced with { OutputDirectory = _out });
        Assert.Equal(first, second);
        Assert.Contains("| no clipping (control) | 2 / 2 (steps ", first, StringComparison.Ordinal);
    }

    [Fact]
    public void The_README_table_is_the_one_a_default_run_prints()
    {
        string readme = Path.Combine(RepositoryPaths.Root, "samples", "ExplodingGradients", "README.md");
        string expected = Table(Options.Default with { OutputDirectory = _out });
        string quoted = ReadmeTable.Extract(File.ReadAllText(readme)).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.True(expected == quoted,
            "samples/ExplodingGradients/README.md quotes figures a default run does not print. Regenerate them with\n" +
            "  dotnet run --project samples/ExplodingGradients -c Release -- --update-readme samples/ExplodingGradients/README.md\n" +
            $"A run printed:\n{expected}\nThe README says:\n{quoted}");
    }

    [Fact]
    public void Update_readme_replaces_only_the_results_block()
    {
        string readme = $"# title\n\ntext\n{ReadmeTable.Begin}\nold table\n{ReadmeTable.End}\nafter\n";
        string updated = ReadmeTable.Replace(readme, "new table\n");
        Assert.Equal($"# title\n\ntext\n{ReadmeTable.Begin}\nnew table\n{ReadmeTable.End}\nafter\n", updated);
        Assert.Equal("new table\n", ReadmeTable.Extract(updated));
        Assert.Throws<InvalidOperationException>(() => ReadmeTable.Replace("no markers", "x"));
    }

    [Fact]
    public void Options_parse_the_tensorboard_and_update_readme_switches()
    {
        Options options = Options.Parse(["--tensorboard", "--update-readme", "README.md", "--steps", "5"]);
        Assert.Equal(new Options(5, 4, "output", TensorBoard: true, UpdateReadme: "README.md"), options);
        Assert.Throws<ArgumentException>(() => Options.Parse(["--update-readme"]));
    }

    [Fact]
    public void TensorBoard_runs_hold_every_steps_norms_and_do_not_change_the_figures()
    {
        Options options = Reduced with { Seeds = 1, OutputDirectory = _out };
        var (plain, _) = Training.RunAll(options);
        var (recorded, _) = Training.RunAll(options with { TensorBoard = true });
        var methods = Experiment.Methods.Select(m => m.Name).ToList();
        Assert.Equal(Report.Markdown(Report.Rows(plain, methods), options), Report.Markdown(Report.Rows(recorded, methods), options));

        foreach (var ((name, slug, _), run) in Experiment.Methods.Zip(recorded))
        {
            Assert.Equal(name, run.Method);
            string file = Assert.Single(Directory.GetFiles(Training.TensorBoardRun(options, slug, seed: 0), "events.out.tfevents.*"));
            var values = TfEventReader.Read(file).Values;
            var pre = values.Where(v => v.Tag == GradNormTags.PreClip).ToList();
            Assert.Equal(Enumerable.Range(0, run.Norms.Count).Select(i => (long)i), pre.Select(v => v.Step));
            Assert.Equal(run.Norms.Select(n => (float)n), pre.Select(v => v.Scalar!.Value));
            Assert.Equal(run.ClippedSteps, values.Count(v => v.Tag == GradNormTags.Clipped && v.Scalar == 1f));
            // Every 25 steps (0, 25, 50, 75 while finite): the post-clip histogram.
            Assert.Contains(values, v => v.Tag == GradNormTags.ValuesPostClip && v.Step == 25 && v.Histogram!.Num > 0);
        }
    }

    private static string Table(Options options)
    {
        var (runs, _) = Training.RunAll(options);
        return Report.Markdown(Report.Rows(runs, Experiment.Methods.Select(m => m.Name).ToList()), options);
    }
}
