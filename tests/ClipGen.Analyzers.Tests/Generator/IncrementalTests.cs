using ClipGen.Analyzers.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>
/// The pipeline stops at the transform when nothing that matters changed: tracked steps report
/// Cached/Unchanged after unrelated and method-body edits, and only the edited train step is re-emitted.
/// </summary>
public class IncrementalTests
{
    private const string Second = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp
        {
            public partial class Other
            {
                private readonly Module<Tensor, Tensor> model = null!;
                private readonly torch.optim.Optimizer optimizer = null!;
                private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;

                public int Helper() { return 1; }

                [ClipGradNorm(2.0)]
                public partial void Step(Tensor input, Tensor target);

                [ClipGradValue(0.5)]
                public partial void ValueStep(Tensor input, Tensor target);
            }
        }
        """;

    private const string Unrelated = """
        namespace MyApp
        {
            public static class Util
            {
                public static int Twice(int x) => 2 * x;
            }
        }
        """;

    [Fact]
    public void An_edit_to_an_unrelated_file_leaves_every_step_cached_or_unchanged()
    {
        GeneratorDriverRunResult run = RunTwice(Unrelated, Unrelated.Replace("2 * x", "x + x"));

        AssertNothingRegenerated(run);
    }

    [Fact]
    public void An_edit_to_a_method_body_beside_the_train_step_reruns_nothing_after_the_transform()
    {
        GeneratorDriverRunResult run = RunTwice(Second, Second.Replace("return 1;", "return 2;"));

        AssertNothingRegenerated(run);
    }

    [Fact]
    public void Changing_maxNorm_regenerates_only_that_method()
    {
        GeneratorDriverRunResult run = RunTwice(Second, Second.Replace("[ClipGradNorm(2.0)]", "[ClipGradNorm(3.0)]"));

        var models = Outputs(run, TrainStepGenerator.TrackingNames.Models);
        Assert.Single(models, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.All(models.Where(o => o.Reason != IncrementalStepRunReason.Modified),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));

        var emitted = run.Results[0].TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Single(emitted, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("3.0", run.Results[0].GeneratedSources.Single(s => s.HintName == "MyApp.Other.Step.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_holds_only_strings_numbers_enums_and_equatable_arrays()
    {
        var allowed = new HashSet<Type> { typeof(string), typeof(int), typeof(double), typeof(bool) };
        var pending = new Stack<Type>(new[] { typeof(TrainStepGeneration) });
        var seen = new HashSet<Type>();
        while (pending.Count > 0)
        {
            Type type = pending.Pop();
            if (!seen.Add(type) || allowed.Contains(type) || type.IsEnum)
            {
                continue;
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
            {
                pending.Push(type.GetGenericArguments()[0]);
                continue;
            }

            Assert.True(type.Namespace == typeof(TrainStepModel).Namespace && type.IsSealed, $"{type} is not a value-equatable model type");
            foreach (var property in type.GetProperties().Where(p => p.DeclaringType == type && p.Name != "EqualityContract"))
            {
                pending.Push(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
            }
        }
    }

    [Fact]
    public void A_stub_is_cached_across_unrelated_edits_and_replaced_by_the_step_once_the_misuse_is_fixed()
    {
        const string misused = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            public partial class Gan
            {
                Module<Tensor, Tensor> generator = null!, discriminator = null!;
                torch.optim.Optimizer optimizer = null!;
                Loss<Tensor, Tensor, Tensor> criterion = null!;

                [ClipGradNorm(1.0)]
                public partial void Step(Tensor input, Tensor target);
            }
            """;
        GeneratorDriverRunResult unrelated = RunTwice(Unrelated, Unrelated.Replace("2 * x", "x + x"), misused);

        var emitted = unrelated.Results[0].TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(4, emitted.Count);
        Assert.All(emitted, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Contains("InvalidOperationException(\"CG1003", unrelated.Results[0].GeneratedSources.Single(s => s.HintName == "Gan.Step.g.cs").SourceText.ToString(), StringComparison.Ordinal);

        GeneratorDriverRunResult fixedRun = RunTwice(misused, misused.Replace("[ClipGradNorm(1.0)]", "[ClipGradNorm(1.0, Model = nameof(generator))]"), misused);

        var models = Outputs(fixedRun, TrainStepGenerator.TrackingNames.Models);
        Assert.Single(models, o => o.Reason == IncrementalStepRunReason.Modified);
        string step = fixedRun.Results[0].GeneratedSources.Single(s => s.HintName == "Gan.Step.g.cs").SourceText.ToString();
        Assert.Contains("this.generator.call(input)", step, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", step, StringComparison.Ordinal);
    }

    [Fact]
    public void A_CG1002_is_cached_across_unrelated_edits_and_reported_again_at_the_current_tree()
    {
        const string misused = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            public class Outer
            {
                public partial class Trainer
                {
                    Module<Tensor, Tensor> model = null!;
                    torch.optim.Optimizer optimizer = null!;
                    Loss<Tensor, Tensor, Tensor> criterion = null!;

                    [ClipGradNorm(1.0)]
                    public partial void Step(Tensor input, Tensor target);
                }
            }
            """;
        GeneratorDriverRunResult run = RunTwice(Unrelated, Unrelated.Replace("2 * x", "x + x"), misused);

        var diagnostics = Outputs(run, TrainStepGenerator.TrackingNames.Diagnostics);
        Assert.Single(diagnostics);
        Assert.All(diagnostics, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Diagnostic reported = Assert.Single(run.Diagnostics);
        Assert.Equal("CG1002", reported.Id);
        Assert.True(reported.Location.IsInSource);
        Assert.All(Outputs(run, TrainStepGenerator.TrackingNames.Models), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    private static GeneratorDriverRunResult RunTwice(string before, string after, params string[] extra)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(new[] { TrainStepSources.Form1, Second, Unrelated }.Concat(extra));
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.ToString() == before);
        SyntaxTree edited = old.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(after));
        Assert.NotEqual(before, after);

        return driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult();
    }

    private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorDriverRunResult run, string step) =>
        run.Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).ToList();

    private static void AssertNothingRegenerated(GeneratorDriverRunResult run)
    {
        var models = Outputs(run, TrainStepGenerator.TrackingNames.Models);
        Assert.Equal(3, models.Count);
        Assert.All(models, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));

        var emitted = run.Results[0].TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(3, emitted.Count);
        Assert.All(emitted, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }
}
