using System.Globalization;
using ClipGen.Testing;

namespace ClipGen.EndToEnd;

/// <summary>
/// The user's path, end to end: reference the packed ClipGen by version, get CG0001 on an unclipped loop
/// and nothing on a correct one, compile a [ClipGradNorm] train step, run it, and load TorchSharp on this
/// distribution through the package's buildTransitive load fix.
/// </summary>
public sealed class EndToEndTests(ConsumerProject consumer) : IClassFixture<ConsumerProject>
{
    [Fact]
    public void The_consumer_builds()
    {
        Assert.True(consumer.Build.ExitCode == 0, consumer.Build.ToString());
    }

    [Fact]
    public void An_unclipped_loop_gets_CG0001()
    {
        Assert.True(consumer.Build.ExitCode == 0, consumer.Build.ToString());

        Assert.Contains(consumer.Diagnostics, d => d.Id == "CG0001" && d.File == "BadLoop.cs");
    }

    [Fact]
    public void Correct_code_gets_no_ClipGen_diagnostic()
    {
        Assert.True(consumer.Build.ExitCode == 0, consumer.Build.ToString());

        Assert.DoesNotContain(consumer.Diagnostics, d => d.Id.StartsWith("CG", StringComparison.Ordinal) && d.File != "BadLoop.cs");
    }

    [Fact]
    public void The_generator_writes_the_ClipGradNorm_train_step()
    {
        Assert.True(consumer.Build.ExitCode == 0, consumer.Build.ToString());

        // EmitCompilerGeneratedFiles is on in the consumer: obj/<configuration>/<tfm>/generated/<generator assembly>/...
        string[] generated = Directory.GetFiles(Path.Combine(consumer.ProjectDirectory, "obj"), "*.cs", SearchOption.AllDirectories)
            .Where(f => f.Contains($"{Path.DirectorySeparatorChar}generated{Path.DirectorySeparatorChar}ClipGen.Analyzers{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.Contains(generated, f => File.ReadAllText(f).Contains("TrainStep(", StringComparison.Ordinal));
    }

    [Fact]
    public void The_load_fix_comes_from_the_package_buildTransitive_folder()
    {
        string nugetTargets = Path.Combine(consumer.ProjectDirectory, "obj", "Consumer.csproj.nuget.g.targets");

        Assert.Contains($"clipgen{Path.DirectorySeparatorChar}{consumer.Version}{Path.DirectorySeparatorChar}buildTransitive{Path.DirectorySeparatorChar}ClipGen.targets",
            File.ReadAllText(nugetTargets), StringComparison.OrdinalIgnoreCase);
        if (MachineLibStdCxxLacksGlibcxx3432())
        {
            Assert.Contains("ClipGen: patched", consumer.Build.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_generated_train_step_trains_with_clipped_gradients()
    {
        Assert.True(consumer.Run is not null, consumer.Build.ToString());
        Assert.True(consumer.Run.ExitCode == 0, consumer.Run.ToString());
        IReadOnlyDictionary<string, string> printed = consumer.Printed;
        double maxNorm = Number(printed, "max norm");

        // Adam on a fixed batch: the loss goes down even with every step's gradient clipped.
        Assert.True(Number(printed, "last loss") < Number(printed, "first loss"), consumer.Run.Output);
        Assert.True(Number(printed, "clipped steps") > 0, consumer.Run.Output);
        // clip_grad_norm_: after clipping ‖g‖ ≤ max_norm (relative slack 1e-6 for the +1e-6 in the coefficient and float32).
        Assert.True(Number(printed, "largest post-clip norm") <= maxNorm * (1 + 1e-5), consumer.Run.Output);
        Assert.True(double.IsFinite(Number(printed, "hand-clipped loop loss")), consumer.Run.Output);
    }

    private static readonly string[] FixableRules = ["CG0001", "CG0002", "CG0003", "CG0004", "CG0005"];

    [Fact]
    public void Every_fixable_rule_is_reported_on_the_broken_loops()
    {
        Assert.True(consumer.Build.ExitCode == 0, consumer.Build.ToString());

        Assert.All(FixableRules, id => Assert.Contains(consumer.Diagnostics, d => d.Id == id && d.File == "BadLoop.cs"));
        // The bug is real: with the gradients cleared before the step, Adam never moves the weights.
        (double first, double last) = Losses(consumer.Printed, "CG0002 loop", consumer.Run);
        Assert.Equal(first, last);
    }

    [Fact]
    public void Dotnet_format_applies_every_rule_fix_and_the_diagnostics_are_gone()
    {
        Assert.True(consumer.Format is not null, consumer.Build.ToString());
        Assert.True(consumer.Format.ExitCode == 0, consumer.Format.ToString());
        Assert.NotEqual(consumer.BadLoopBefore, consumer.BadLoopAfter);
        Assert.True(consumer.FixedBuild is { ExitCode: 0 }, consumer.FixedBuild?.ToString() + "\n--- BadLoop.cs after dotnet format ---\n" + consumer.BadLoopAfter);

        var left = consumer.FixedDiagnostics.Where(d => FixableRules.Contains(d.Id)).ToList();
        Assert.True(left.Count == 0, string.Join("\n", left) + "\n--- BadLoop.cs after dotnet format ---\n" + consumer.BadLoopAfter + "\n" + consumer.Format);
    }

    [Fact]
    public void The_fixed_loops_train()
    {
        Assert.True(consumer.FixedRun is { ExitCode: 0 }, consumer.FixedRun?.ToString() ?? consumer.FixedBuild?.ToString() ?? consumer.Build.ToString());

        foreach (string id in FixableRules)
        {
            (double first, double last) = Losses(consumer.FixedPrinted, id + " loop", consumer.FixedRun);
            Assert.True(double.IsFinite(last) && last < first, $"{id} loop after the fix: first loss {first}, last {last}\n{consumer.BadLoopAfter}");
        }

        // The generated train step still trains as before the fixes.
        Assert.True(Number(consumer.FixedPrinted, "last loss") < Number(consumer.FixedPrinted, "first loss"), consumer.FixedRun?.Output);
    }

    private static (double First, double Last) Losses(IReadOnlyDictionary<string, string> printed, string loop, CommandResult? run)
    {
        Assert.True(printed.TryGetValue(loop + " losses", out string? text), $"the consumer did not print '{loop} losses'\n{run}");
        string[] parts = text.Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static double Number(IReadOnlyDictionary<string, string> printed, string key) =>
        printed.TryGetValue(key, out string? value)
            ? double.Parse(value, CultureInfo.InvariantCulture)
            : throw new Xunit.Sdk.XunitException($"the consumer did not print '{key}'");

    /// <summary>Whether the load fix has to act here: no libstdc++.so.6 on the usual paths defines GLIBCXX_3.4.32.</summary>
    private static bool MachineLibStdCxxLacksGlibcxx3432()
    {
        string[] candidates = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"];
        string? found = candidates.FirstOrDefault(File.Exists);
        if (found is null)
        {
            return false;
        }

        byte[] image = File.ReadAllBytes(found);
        return image.AsSpan().IndexOf("GLIBCXX_3.4.32\0"u8) < 0;
    }
}
