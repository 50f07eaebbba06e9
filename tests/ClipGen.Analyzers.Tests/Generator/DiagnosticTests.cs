using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>CG1001–CG1005 from the usage analyzer (run after the generator, as in a build): each with a case that fires and one that must not.</summary>
public class DiagnosticTests
{
    private const string Header = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        """;

    private const string Members = """
            Module<Tensor, Tensor> model = null!;
            torch.optim.Optimizer optimizer = null!;
            Loss<Tensor, Tensor, Tensor> criterion = null!;
        """;

    private static string Class(string body, string declaration = "public partial class Trainer") =>
        Header + declaration + "\n{\n" + Members + body + "\n}\n";

    [Fact]
    public void Valid_train_steps_get_no_diagnostic()
    {
        Assert.Empty(Ids(TrainStepSources.Form1));
        Assert.Empty(Ids(TrainStepSources.Form2));
    }

    [Fact]
    public void CG1001_method_not_partial() =>
        AssertSingle("CG1001", Class("[ClipGradNorm(1.0)] public Tensor Step(Tensor input, Tensor target) => input;"), "is not declared 'partial'");

    [Fact]
    public void CG1001_method_with_a_user_implementation()
    {
        string source = Class("""
            [ClipGradNorm(1.0)] public partial Tensor Step(Tensor input, Tensor target);
            public partial Tensor Step(Tensor input, Tensor target) => input;
            """);

        AssertSingle("CG1001", source, "already has an implementation");
    }

    [Fact]
    public void CG1001_not_reported_for_the_generated_implementation() =>
        Assert.DoesNotContain("CG1001", Ids(Class("[ClipGradNorm(1.0)] public partial Tensor Step(Tensor input, Tensor target);")));

    [Fact]
    public void CG1002_outer_type_not_partial()
    {
        string source = Header + "public class Outer\n{\n    public partial class Trainer\n    {\n" + Members +
            "[ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);\n    }\n}\n";

        AssertSingle("CG1002", source, "'Outer' contains the [ClipGradNorm] method 'Step'");
    }

    [Fact]
    public void CG1002_not_reported_when_every_type_is_partial()
    {
        string source = Header + "public partial class Outer\n{\n    public partial class Trainer\n    {\n" + Members +
            "[ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);\n    }\n}\n";

        Assert.Empty(Ids(source));
    }

    [Fact]
    public void CG1003_ambiguous_model_lists_the_candidates() =>
        AssertSingle("CG1003", Class("""
            Module<Tensor, Tensor> second = null!;
            [ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);
            """), "Several torch.nn.Module fields or properties in 'Trainer' ('model', 'second'): name one with Model = nameof(...)");

    [Fact]
    public void CG1003_resolved_by_naming_the_model() =>
        Assert.Empty(Ids(Class("""
            Module<Tensor, Tensor> second = null!;
            [ClipGradNorm(1.0, Model = nameof(second))] public partial void Step(Tensor input, Tensor target);
            """)));

    [Theory]
    [InlineData("public Module<Tensor, Tensor> Model => model;")]
    [InlineData("public Module<Tensor, Tensor> Model => this.model;")]
    [InlineData("public Module<Tensor, Tensor> Model { get { return model; } }")]
    [InlineData("public Module<Tensor, Tensor> Model { get => (this.model)!; }")]
    [InlineData("public torch.nn.Module Model => model;")]
    public void CG1003_a_property_that_returns_the_model_field_is_the_same_model(string property)
    {
        string source = Class(property + "\n[ClipGradNorm(1.0)] public partial Tensor Step(Tensor input, Tensor target);");

        Assert.Empty(Ids(source));
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
        Assert.Contains("this.model.call(input)", result.Sources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CG1003_a_model_field_exposed_by_a_property_of_its_own_module_type_generates_the_step()
    {
        string source = Header + """
            public sealed class SequenceRegressor : Module<Tensor, Tensor>
            {
                public SequenceRegressor() : base(nameof(SequenceRegressor)) { }
                public override Tensor forward(Tensor input) => input;
            }

            public partial class Trainer
            {
                private readonly SequenceRegressor model = new();
                private readonly torch.optim.Optimizer optimizer = null!;
                private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;

                public SequenceRegressor Model => model;
                public torch.optim.Optimizer Optimizer { get => optimizer; }

                [ClipGradNorm(1.0)] public partial TrainStepResult Step(Tensor input, Tensor target);
            }
            """;

        Assert.Empty(Ids(source));
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
        string generated = result.Sources.Single().SourceText.ToString();
        Assert.Contains("this.model.call(input)", generated, StringComparison.Ordinal);
        Assert.Contains("this.optimizer.step()", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void CG1003_a_property_returning_one_of_two_model_fields_leaves_the_two_fields_ambiguous() =>
        AssertSingle("CG1003", Class("""
            Module<Tensor, Tensor> second = null!;
            public Module<Tensor, Tensor> Second => second;
            [ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);
            """), "Several torch.nn.Module fields or properties in 'Trainer' ('model', 'second'): name one with Model = nameof(...)");

    [Theory]
    [InlineData("public Module<Tensor, Tensor> Model { get { System.Console.WriteLine(); return model; } }")]
    [InlineData("public Module<Tensor, Tensor> Model => Other;")]
    [InlineData("public Module<Tensor, Tensor> Model => torch.nn.Identity();")]
    public void CG1003_a_property_that_does_more_than_return_the_field_is_another_candidate(string property) =>
        AssertSingle("CG1003", Class(property + """

            Module<Tensor, Tensor> Other => model;
            [ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);
            """), "Several torch.nn.Module fields or properties in 'Trainer' ('model', 'Model'): name one with Model = nameof(...)");

    [Fact]
    public void CG1003_missing_optimizer()
    {
        string source = Header + """
            public partial class Trainer
            {
                Module<Tensor, Tensor> model = null!;
                Loss<Tensor, Tensor, Tensor> criterion = null!;
                [ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);
            }
            """;

        AssertSingle("CG1003", source, "No torch.optim.Optimizer field or property found in 'Trainer'");
    }

    [Fact]
    public void CG1003_named_member_of_the_wrong_type() =>
        AssertSingle("CG1003", Class("""
            int count;
            [ClipGradNorm(1.0, Optimizer = "count")] public partial void Step(Tensor input, Tensor target);
            """), "Optimizer = \"count\": 'count' is a 'int', not a torch.optim.Optimizer (the torch.optim.Optimizer candidates are 'optimizer')");

    [Fact]
    public void CG1003_loss_method_with_the_wrong_parameters() =>
        AssertSingle("CG1003", Class("""
            Tensor Compute(Tensor x) => x;
            [ClipGradNorm(1.0, Loss = nameof(Compute))] public partial void Step(Tensor input, Tensor target);
            """), "no method 'Compute(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor)' returning Tensor");

    [Fact]
    public void CG1003_private_base_members_are_not_candidates()
    {
        string source = Header + """
            public class Base { private torch.optim.Optimizer optimizer = null!; public object O => optimizer; }
            public partial class Trainer : Base
            {
                Module<Tensor, Tensor> model = null!;
                Loss<Tensor, Tensor, Tensor> criterion = null!;
                [ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);
            }
            """;

        AssertSingle("CG1003", source, "No torch.optim.Optimizer");
    }

    [Theory]
    [InlineData("public partial int Step(Tensor input, Tensor target);", "it returns 'int'")]
    [InlineData("public partial void Step(Tensor input, out Tensor target);", "parameter 'target' is passed by 'out'")]
    [InlineData("public partial void Step<T>(Tensor input, Tensor target);", "generic train steps are not supported")]
    [InlineData("public partial void Step(Tensor input);", "with a loss module the parameters are the model's inputs then the target")]
    public void CG1004_unsupported_signature(string declaration, string expected) =>
        AssertSingle("CG1004", Class("[ClipGradNorm(1.0)] " + declaration), expected);

    [Fact]
    public void CG1004_accumulation_in_a_readonly_struct() =>
        AssertSingle("CG1004", Class("[ClipGradNorm(1.0, AccumulationSteps = 2)] public partial void Step(Tensor input, Tensor target);", "public readonly partial struct Trainer"),
            "a readonly struct cannot hold");

    [Theory]
    [InlineData("public partial void Step(Tensor input, Tensor target);")]
    [InlineData("public partial double Step(in Tensor input, Tensor target);")]
    [InlineData("public partial float Step(Tensor input, Tensor target);")]
    public void CG1004_not_reported_for_supported_signatures(string declaration) =>
        Assert.Empty(Ids(Class("[ClipGradNorm(1.0)] " + declaration)));

    [Theory]
    [InlineData("[ClipGradNorm(-1.0)]", "'maxNorm' is -1; it must be finite and ≥ 0")]
    [InlineData("[ClipGradNorm(double.NaN)]", "'maxNorm' is NaN")]
    [InlineData("[ClipGradNorm(1.0, NormType = 0)]", "'NormType' is 0")]
    [InlineData("[ClipGradNorm(1.0, AccumulationSteps = 0)]", "'AccumulationSteps' is 0; it must be at least 1")]
    [InlineData("[ClipGradValue(-0.5)]", "'clipValue' is -0.5")]
    [InlineData("[AdaptiveGradClip(0.0)]", "'clipFactor' is 0")]
    [InlineData("[AdaptiveGradClip(0.01, Eps = -1)]", "'Eps' is -1")]
    [InlineData("[ClipGradNorm(1.0, NonFinite = (NonFinitePolicy)7)]", "'NonFinite' is 7")]
    public void CG1005_invalid_constant_arguments(string attribute, string expected) =>
        AssertSingle("CG1005", Class(attribute + " public partial void Step(Tensor input, Tensor target);"), expected);

    [Theory]
    [InlineData("[ClipGradNorm(0.0, NormType = double.PositiveInfinity, AccumulationSteps = 1)]")]
    [InlineData("[ClipGradValue(0.0)]")]
    [InlineData("[AdaptiveGradClip(0.01, Eps = 1e-3, AccumulationSteps = 8)]")]
    public void CG1005_not_reported_for_valid_arguments(string attribute) =>
        Assert.Empty(Ids(Class(attribute + " public partial void Step(Tensor input, Tensor target);")));

    [Fact]
    public void CG1005_points_at_the_offending_argument()
    {
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Analyze(Class("[ClipGradNorm(1.0, AccumulationSteps = 0)] public partial void Step(Tensor input, Tensor target);")));

        SyntaxNode node = diagnostic.Location.SourceTree!.GetRoot().FindNode(diagnostic.Location.SourceSpan);
        Assert.Equal("AccumulationSteps = 0", node.ToString());
    }

    [Theory]
    [InlineData("[ClipGradNorm(1.0, Scheduler = \"sched\")]", "Scheduler = \"sched\": 'Trainer' and its base types have no field or property named 'sched' (the torch.optim.lr_scheduler.LRScheduler candidates are 'lr')")]
    [InlineData("[ClipGradNorm(1.0, Scheduler = nameof(monitor))]", "Scheduler = \"monitor\": 'monitor' is a 'ClipGen.GradNormMonitor', not a torch.optim.lr_scheduler.LRScheduler (the torch.optim.lr_scheduler.LRScheduler candidates are 'lr')")]
    [InlineData("[ClipGradValue(0.5, Monitor = \"norms\")]", "Monitor = \"norms\": 'Trainer' and its base types have no field or property named 'norms' (the ClipGen.GradNormMonitor candidates are 'monitor')")]
    [InlineData("[AdaptiveGradClip(0.01, Monitor = nameof(lr))]", "Monitor = \"lr\": 'lr' is a 'TorchSharp.torch.optim.lr_scheduler.LRScheduler', not a ClipGen.GradNormMonitor (the ClipGen.GradNormMonitor candidates are 'monitor')")]
    public void CG1003_scheduler_or_monitor_not_found_or_of_the_wrong_type(string attribute, string expected) =>
        AssertSingle("CG1003", Class(SchedulerAndMonitor + attribute + " public partial void Step(Tensor input, Tensor target);"), expected);

    [Theory]
    [InlineData("[ClipGradNorm(1.0, Scheduler = nameof(lr), Monitor = nameof(monitor))]")]
    [InlineData("[ClipGradValue(0.5, Scheduler = nameof(Lr), Monitor = nameof(Monitor), AccumulationSteps = 2)]")]
    [InlineData("[AdaptiveGradClip(0.01, Scheduler = nameof(lr), NonFinite = NonFinitePolicy.SkipStep)]")]
    public void CG1003_not_reported_for_a_named_scheduler_and_monitor(string attribute) =>
        Assert.Empty(Ids(Class(SchedulerAndMonitor + attribute + " public partial void Step(Tensor input, Tensor target);")));

    [Fact]
    public void CG1004_a_ReduceLROnPlateau_scheduler_needs_its_metric() =>
        AssertSingle("CG1004", Class("""
            TorchSharp.torch.optim.lr_scheduler.impl.ReduceLROnPlateau plateau = null!;
            [ClipGradNorm(1.0, Scheduler = nameof(plateau))] public partial void Step(Tensor input, Tensor target);
            """), "the scheduler 'plateau' is ReduceLROnPlateau, which steps on a metric");

    [Fact]
    public void A_scheduler_or_monitor_field_is_never_used_unless_named()
    {
        GeneratorResult result = GeneratorHarness.Run(Class(SchedulerAndMonitor + "[ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);"));

        string step = Assert.Single(result.Sources).SourceText.ToString();
        Assert.DoesNotContain("this.lr", step, StringComparison.Ordinal);
        Assert.DoesNotContain("this.monitor", step, StringComparison.Ordinal);
    }

    [Fact]
    public void CG1002_comes_from_the_generator_at_the_method_and_is_reported_once()
    {
        string source = Header + "public class Outer\n{\n    public partial class Trainer\n    {\n" + Members +
            "[ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);\n    }\n}\n";

        GeneratorResult result = GeneratorHarness.Run(source);

        // The compiler runs no analyzer after CS8795, so the generator's own diagnostic is the one a build shows.
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("CG1002", diagnostic.Id);
        Assert.Equal("Step", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        // In the user's own tree, so .editorconfig severities, pragmas and the IDE treat it like any diagnostic there.
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Equal("Source0.cs", diagnostic.Location.SourceTree!.FilePath);
        Assert.Single(GeneratorHarness.Analyze(source));
    }

    private const string SchedulerAndMonitor = """
            torch.optim.lr_scheduler.LRScheduler lr = null!;
            GradNormMonitor monitor = new();
            torch.optim.lr_scheduler.LRScheduler Lr => lr;
            GradNormMonitor Monitor => monitor;

        """;

    private static List<string> Ids(string source) => GeneratorHarness.Analyze(source).Select(d => d.Id).ToList();

    private static void AssertSingle(string id, string source, string messagePart)
    {
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Analyze(source));
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(messagePart, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
