namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>
/// The generated text, compared exactly with checked-in baselines under <c>Generator/Snapshots</c>.
/// Set <c>CLIPGEN_UPDATE_SNAPSHOTS=1</c> to rewrite the baselines, then review the diff.
/// </summary>
public class SnapshotTests
{
    [Fact]
    public void Form1_criterion_found_by_type_returning_the_loss_tensor() =>
        Verify("Form1", TrainStepSources.Form1, "MyApp.Trainer.TrainStep.g.cs");

    [Fact]
    public void Form2_loss_method_and_named_members_returning_TrainStepResult() =>
        Verify("Form2", TrainStepSources.Form2, "MyApp.SeqTrainer.Step.g.cs");

    [Fact]
    public void Accumulation_with_SkipStep_returning_void() => Verify("AccumulationVoid", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        public partial class Trainer
        {
            Module<Tensor, Tensor> Model { get; }
            torch.optim.Optimizer Optimizer { get; }
            Loss<Tensor, Tensor, Tensor> Criterion { get; }

            public Trainer(Module<Tensor, Tensor> model, torch.optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
            {
                Model = model;
                Optimizer = optimizer;
                Criterion = criterion;
            }

            [ClipGradNorm(1.0, AccumulationSteps = 4, NonFinite = NonFinitePolicy.SkipStep)]
            public partial void TrainStep(Tensor input, Tensor target);
        }
        """, "Trainer.TrainStep.g.cs");

    [Fact]
    public void Accumulation_returning_TrainStepResult() => Verify("AccumulationResult", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp;

        public partial class Trainer(Module<Tensor, Tensor> model, torch.optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
        {
            private readonly Module<Tensor, Tensor> model = model;
            private readonly torch.optim.Optimizer optimizer = optimizer;
            private readonly Loss<Tensor, Tensor, Tensor> criterion = criterion;

            [ClipGradNorm(1.0, AccumulationSteps = 2)]
            public partial TrainStepResult TrainStep(Tensor input, Tensor target);
        }
        """, "MyApp.Trainer.TrainStep.g.cs");

    [Fact]
    public void Value_clipping_returning_double_in_a_nested_generic_record() => Verify("ValueNestedGeneric", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp.Training;

        public static partial class Outer
        {
            internal partial record Inner<TTag>(Module<Tensor, Tensor> Net, torch.optim.Optimizer Sgd, Loss<Tensor, Tensor, Tensor> Mse)
            {
                [ClipGradValue(0.5, NonFinite = NonFinitePolicy.Throw)]
                private partial double Fit(Tensor x, Tensor y);
            }
        }
        """, "MyApp.Training.Outer+Inner`1.Fit.g.cs");

    [Fact]
    public void Adaptive_clipping_returning_float_with_colliding_parameter_names() => Verify("AdaptiveCollisions", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        partial struct Step
        {
            Module<Tensor, Tensor, Tensor> net;
            torch.optim.Optimizer optimizer;
            Loss<Tensor, Tensor, Tensor> loss;

            public Step(Module<Tensor, Tensor, Tensor> net, torch.optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> loss)
            {
                this.net = net;
                this.optimizer = optimizer;
                this.loss = loss;
            }

            [AdaptiveGradClip(0.01, Eps = 1e-4)]
            public partial float @this(Tensor scope, Tensor loss, Tensor clip);
        }
        """, "Step.this.g.cs");

    [Fact]
    public void Plain_path_without_a_host_read_when_FlatGradients_is_off() => Verify("PlainNoSync", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        public partial class Trainer
        {
            Module<Tensor, Tensor> model = null!;
            torch.optim.Optimizer optimizer = null!;
            Loss<Tensor, Tensor, Tensor> criterion = null!;

            [ClipGradNorm(1.0, NormType = 1.0, FlatGradients = false)]
            public partial void TrainStep(Tensor input, Tensor target);
        }
        """, "Trainer.TrainStep.g.cs");

    [Fact]
    public void Scheduler_and_monitor_with_accumulation_through_the_flat_buffer() => Verify("SchedulerMonitor", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp;

        public partial class Trainer
        {
            Module<Tensor, Tensor> model = null!;
            torch.optim.Optimizer optimizer = null!;
            Loss<Tensor, Tensor, Tensor> criterion = null!;
            torch.optim.lr_scheduler.LRScheduler scheduler = null!;
            public GradNormMonitor Norms { get; } = new();

            [ClipGradNorm(1.0, AccumulationSteps = 4, Scheduler = nameof(scheduler), Monitor = nameof(Norms))]
            public partial void TrainStep(Tensor input, Tensor target);
        }
        """, "MyApp.Trainer.TrainStep.g.cs");

    [Fact]
    public void Value_clipping_with_a_monitor_measures_the_post_clip_norm() => Verify("ValueMonitor", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        public static partial class Training
        {
            static Module<Tensor, Tensor> model = null!;
            static torch.optim.Optimizer optimizer = null!;
            static Loss<Tensor, Tensor, Tensor> criterion = null!;
            static torch.optim.lr_scheduler.LRScheduler scheduler = null!;
            static GradNormMonitor monitor = new();

            [ClipGradValue(0.5, Scheduler = nameof(scheduler), Monitor = nameof(monitor), NonFinite = NonFinitePolicy.SkipStep)]
            public static partial double Fit(Tensor input, Tensor target);
        }
        """, "Training.Fit.g.cs");

    [Fact]
    public void Stub_for_an_ambiguous_model_throws_with_the_CG1003_message() => Verify("StubAmbiguousModel", """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp;

        public partial class GanTrainer
        {
            public Module<Tensor, Tensor> generator = null!, discriminator = null!;
            public torch.optim.Optimizer optimizer = null!;
            public Loss<Tensor, Tensor, Tensor> criterion = null!;

            [ClipGradNorm(1.0)]
            public partial Tensor? Step(Tensor input, Tensor target);
        }
        """, "MyApp.GanTrainer.Step.g.cs");

    private static void Verify(string name, string source, string hintName)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        string actual = result.Source(hintName);
        string path = Path.Combine(global::ClipGen.Testing.RepositoryPaths.Root, "tests", "ClipGen.Analyzers.Tests", "Generator", "Snapshots", name + ".g.cs.txt");

        if (Environment.GetEnvironmentVariable("CLIPGEN_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"No baseline {path}: run with CLIPGEN_UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }
}
