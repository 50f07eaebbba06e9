using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>
/// The generated code compiles without a warning wherever users can put a train step: every C# version
/// with extended partial methods (9+), nullable on and off, unsafe and checked code, hostile names.
/// </summary>
public class CompileTests
{
    public static TheoryData<LanguageVersion, NullableContextOptions> Versions()
    {
        var data = new TheoryData<LanguageVersion, NullableContextOptions>();
        foreach (LanguageVersion version in new[] { LanguageVersion.CSharp9, LanguageVersion.CSharp10, LanguageVersion.CSharp11, LanguageVersion.CSharp12, LanguageVersion.Latest })
        {
            data.Add(version, NullableContextOptions.Enable);
            data.Add(version, NullableContextOptions.Disable);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_form_and_return_type_compiles_warning_free(LanguageVersion version, NullableContextOptions nullable)
    {
        string source = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            namespace Matrix
            {
                public record Batch(Tensor X, Tensor Y);

                public partial class Trainer<T> where T : class
                {
                    private readonly Module<Tensor, Tensor> model;
                    private readonly torch.optim.Optimizer optimizer;
                    private readonly Loss<Tensor, Tensor, Tensor> criterion;

                    public Trainer(Module<Tensor, Tensor> model, torch.optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
                    {
                        this.model = model;
                        this.optimizer = optimizer;
                        this.criterion = criterion;
                    }

                    private Tensor BatchLoss(Batch batch) => criterion.call(model.call(batch.X), batch.Y);

                    [ClipGradNorm(1.0)] public partial Tensor A(Tensor input, Tensor target);
                    [ClipGradNorm(1.0, NormType = double.PositiveInfinity, NonFinite = NonFinitePolicy.SkipStep)] public partial void B(Tensor input, Tensor target);
                    [ClipGradValue(0.1, AccumulationSteps = 3)] internal partial float C(Tensor input, Tensor target);
                    [AdaptiveGradClip(0.01, NonFinite = NonFinitePolicy.Throw)] protected partial double D(Tensor input, Tensor target);
                    [ClipGradNorm(2.0, Loss = nameof(BatchLoss), AccumulationSteps = 2)] private partial TrainStepResult E(Batch batch);
                    [ClipGradNorm(0.0)] public partial Tensor F(in Tensor input, Tensor target);

                    public partial class Nested
                    {
                        static Module<Tensor, Tensor> net = null!;
                        static torch.optim.Optimizer sgd = null!;
                        static Loss<Tensor, Tensor, Tensor> mse = null!;

                        [ClipGradNorm(1.0, AccumulationSteps = 2)] public static partial TrainStepResult G(Tensor input, Tensor target);
                    }
                }
            }

            public partial struct GlobalStruct
            {
                public Module<Tensor, Tensor> Net { get; set; }
                public torch.optim.Optimizer Opt { get; set; }
                public Loss<Tensor, Tensor, Tensor> Mse { get; set; }

                [ClipGradNorm(1.0)] public partial TrainStepResult Step(Tensor input, Tensor target);
            }
            """;

        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { source }, version, nullable));

        Assert.Equal(8, result.Sources.Length);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void Latest_syntax_file_scoped_namespace_record_struct_and_primary_constructor_compile()
    {
        string source = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            namespace Modern;

            public partial record struct Runner(Module<Tensor, Tensor> Model, torch.optim.Optimizer Optimizer, Loss<Tensor, Tensor, Tensor> Loss)
            {
                [ClipGradNorm(1.0, AccumulationSteps = 2)] public partial TrainStepResult Step(Tensor input, Tensor target);
            }

            public sealed partial class Primary(Module<Tensor, Tensor> model, torch.optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
            {
                private Module<Tensor, Tensor> Model { get; } = model;
                private torch.optim.Optimizer Optimizer { get; } = optimizer;
                private Loss<Tensor, Tensor, Tensor> Criterion { get; } = criterion;

                [ClipGradNorm(1.0)] public partial Tensor? Step(Tensor input, Tensor target);
            }
            """;

        GeneratorResult result = GeneratorHarness.Run(source);

        Assert.Equal(2, result.Sources.Length);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void Members_inherited_from_a_base_class_are_found_and_private_ones_are_not()
    {
        string source = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            public abstract class TrainerBase
            {
                protected Module<Tensor, Tensor> Model { get; } = null!;
                protected torch.optim.Optimizer Optimizer { get; } = null!;
                private Module<Tensor, Tensor> hidden = null!;
                public Module<Tensor, Tensor> Hidden => hidden;
            }

            public partial class Derived : TrainerBase
            {
                private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;

                [ClipGradNorm(1.0, Model = nameof(Model))] public partial void Step(Tensor input, Tensor target);
            }
            """;

        GeneratorResult result = GeneratorHarness.Run(source);

        Assert.Contains("this.Model.parameters()", result.Source("Derived.Step.g.cs"));
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void Unsafe_and_checked_contexts_compile()
    {
        string source = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            public unsafe partial class Trainer
            {
                private int* cursor = null;
                private readonly Module<Tensor, Tensor> model = null!;
                private readonly torch.optim.Optimizer optimizer = null!;
                private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;

                public int* Cursor => cursor;

                [ClipGradNorm(1.0, AccumulationSteps = 3)] public unsafe partial float Step(Tensor input, Tensor target);
                [ClipGradValue(1.0)] public partial void Other(Tensor input, Tensor target);
            }
            """;

        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { source }, allowUnsafe: true, checkOverflow: true));

        Assert.Equal(2, result.Sources.Length);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void User_members_and_types_named_like_the_generated_locals_and_namespaces_do_not_capture_them()
    {
        string source = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            public partial class Trainer
            {
                private readonly Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor> model = null!;
                private readonly torch.optim.Optimizer optimizer = null!;
                private readonly Loss<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor> criterion = null!;

                public int scope, loss, clip, __clipGenMicroBatches_Step;
                public void zero_grad() { }
                public class TorchSharp { }
                public class ClipGen { }
                public class System { }
                public class Tensor { }
                public class DisposeScope { }

                [global::ClipGen.ClipGradNorm(1.0, AccumulationSteps = 2)]
                public partial global::ClipGen.TrainStepResult Step(global::TorchSharp.torch.Tensor scope, global::TorchSharp.torch.Tensor scope1);
            }
            """;

        GeneratorResult result = GeneratorHarness.Run(source);

        string generated = result.Source("Trainer.Step.g.cs");
        Assert.Contains("private int __clipGenMicroBatches_Step_;", generated);
        Assert.Contains("DisposeScope scope2 =", generated);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void Overloads_of_the_annotated_method_get_their_own_files_and_counters()
    {
        string source = """
            using ClipGen;
            using TorchSharp;
            using static TorchSharp.torch;
            using static TorchSharp.torch.nn;

            public partial class Trainer
            {
                private readonly Module<Tensor, Tensor> model = null!;
                private readonly torch.optim.Optimizer optimizer = null!;
                private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;

                Tensor Loss2(Tensor a, Tensor b, Tensor c) => criterion.call(model.call(a + b), c);

                public void Step() { }
                [ClipGradNorm(1.0, AccumulationSteps = 2)] public partial void Step(Tensor input, Tensor target);
                [ClipGradNorm(1.0, AccumulationSteps = 4, Loss = nameof(Loss2))] public partial void Step(Tensor a, Tensor b, Tensor c);
            }
            """;

        GeneratorResult result = GeneratorHarness.Run(source);

        Assert.Equal(new[] { "Trainer.Step.g.cs", "Trainer.Step_2.g.cs" }, result.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Contains("__clipGenMicroBatches_Step_2;", result.Source("Trainer.Step_2.g.cs"));
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        string first = string.Concat(GeneratorHarness.Run(TrainStepSources.Form1, TrainStepSources.Form2).Sources.Select(s => s.HintName + s.SourceText));
        string second = string.Concat(GeneratorHarness.Run(TrainStepSources.Form1, TrainStepSources.Form2).Sources.Select(s => s.HintName + s.SourceText));

        Assert.Equal(first, second);
    }
}
