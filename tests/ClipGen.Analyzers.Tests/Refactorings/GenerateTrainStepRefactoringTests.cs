namespace ClipGen.Analyzers.Tests.Refactorings;

/// <summary>
/// "Generate train step with [ClipGradNorm]": the exact text produced for each generator form, and that the
/// result compiles with the generator implementing the new partial method.
/// </summary>
public class GenerateTrainStepRefactoringTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;


        """;

    [Fact]
    public async Task Form1_criterion_of_model_output_becomes_a_call_and_a_partial_declaration()
    {
        string source = Usings + """
            namespace MyApp
            {
                public class Trainer
                {
                    private readonly Module<Tensor, Tensor> model;
                    private readonly optim.Optimizer optimizer;
                    private readonly Loss<Tensor, Tensor, Tensor> criterion;

                    public Trainer(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
                    {
                        this.model = model;
                        this.optimizer = optimizer;
                        this.criterion = criterion;
                    }

                    public void Train(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        $$foreach (var (x, y) in batches)
                        {
                            // one step per batch
                            optimizer.zero_grad();
                            var loss = criterion.call(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                            Console.WriteLine(loss.ToSingle());
                        }
                    }
                }
            }
            """;

        string expected = Usings + """
            namespace MyApp
            {
                public partial class Trainer
                {
                    private readonly Module<Tensor, Tensor> model;
                    private readonly optim.Optimizer optimizer;
                    private readonly Loss<Tensor, Tensor, Tensor> criterion;

                    public Trainer(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
                    {
                        this.model = model;
                        this.optimizer = optimizer;
                        this.criterion = criterion;
                    }

                    public void Train(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        foreach (var (x, y) in batches)
                        {
                            // one step per batch
                            var loss = TrainStep(x, y);
                            Console.WriteLine(loss.ToSingle());
                        }
                    }

                    [global::ClipGen.ClipGradNorm(1.0)]
                    private partial global::TorchSharp.torch.Tensor TrainStep(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor y);
                }
            }
            """;

        string actual = await RefactoringHarness.ApplyAsync(source);
        Assert.Equal(expected, actual);
        RefactoringHarness.AssertCompilesWithGenerator(actual, "MyApp.Trainer.TrainStep.g.cs");
    }

    [Fact]
    public async Task Form2_loss_of_locals_is_extracted_into_a_loss_method_named_by_the_attribute()
    {
        string source = Usings + """
            public record Batch(Tensor Input, Tensor Target);

            public class Trainer
            {
                private readonly Module<Tensor, Tensor> net;
                private readonly optim.Optimizer opt;

                public Trainer(Module<Tensor, Tensor> net, optim.Optimizer opt)
                {
                    this.net = net;
                    this.opt = opt;
                }

                public void Fit(IReadOnlyList<Batch> data, int epochs)
                {
                    for (int epoch = 0; epoch < epochs; epoch++)
                    {
                        Batch batch = data[epoch % data.Count];
                        [|var output = net.call(batch.Input);
                        Tensor loss = functional.mse_loss(output, batch.Target);
                        opt.zero_grad();
                        loss.backward();
                        opt.step();|]
                        if (epoch % 10 == 0)
                        {
                            Console.WriteLine($"{epoch}: {loss.ToDouble()}");
                        }
                    }
                }
            }
            """;

        string expected = Usings + """
            public record Batch(Tensor Input, Tensor Target);

            public partial class Trainer
            {
                private readonly Module<Tensor, Tensor> net;
                private readonly optim.Optimizer opt;

                public Trainer(Module<Tensor, Tensor> net, optim.Optimizer opt)
                {
                    this.net = net;
                    this.opt = opt;
                }

                public void Fit(IReadOnlyList<Batch> data, int epochs)
                {
                    for (int epoch = 0; epoch < epochs; epoch++)
                    {
                        Batch batch = data[epoch % data.Count];
                        Tensor loss = TrainStep(batch);
                        if (epoch % 10 == 0)
                        {
                            Console.WriteLine($"{epoch}: {loss.ToDouble()}");
                        }
                    }
                }

                private global::TorchSharp.torch.Tensor ComputeNetLoss(global::Batch batch)
                {
                    var output = net.call(batch.Input);
                    Tensor loss = functional.mse_loss(output, batch.Target);
                    return loss;
                }

                [global::ClipGen.ClipGradNorm(1.0, Loss = nameof(ComputeNetLoss))]
                private partial global::TorchSharp.torch.Tensor TrainStep(global::Batch batch);
            }
            """;

        string actual = await RefactoringHarness.ApplyAsync(source);
        Assert.Equal(expected, actual);
        RefactoringHarness.AssertCompilesWithGenerator(actual, "Trainer.TrainStep.g.cs");
    }

    [Fact]
    public async Task Already_partial_type_with_two_models_names_the_clipped_one_and_reuses_the_clip_constant()
    {
        string source = Usings + """
            namespace Seq;

            public partial class SeqTrainer
            {
                private Module<Tensor, Tensor> Encoder { get; }
                private Module<Tensor, Tensor> Decoder { get; }
                private optim.Optimizer Optimizer { get; }
                private const double MaxNorm = 0.5;

                public SeqTrainer(Module<Tensor, Tensor> encoder, Module<Tensor, Tensor> decoder, optim.Optimizer optimizer)
                {
                    Encoder = encoder;
                    Decoder = decoder;
                    Optimizer = optimizer;
                }

                public void Run(Tensor x, Tensor y, int steps)
                {
                    int i = 0;
                    $$while (i < steps)
                    {
                        Optimizer.zero_grad();
                        var loss = functional.l1_loss(Decoder.call(Encoder.call(x)), y);
                        loss.backward();
                        nn.utils.clip_grad_norm_(Encoder.parameters(), MaxNorm, double.PositiveInfinity);
                        Optimizer.step();
                        i++;
                    }
                }
            }
            """;

        string expected = Usings + """
            namespace Seq;

            public partial class SeqTrainer
            {
                private Module<Tensor, Tensor> Encoder { get; }
                private Module<Tensor, Tensor> Decoder { get; }
                private optim.Optimizer Optimizer { get; }
                private const double MaxNorm = 0.5;

                public SeqTrainer(Module<Tensor, Tensor> encoder, Module<Tensor, Tensor> decoder, optim.Optimizer optimizer)
                {
                    Encoder = encoder;
                    Decoder = decoder;
                    Optimizer = optimizer;
                }

                public void Run(Tensor x, Tensor y, int steps)
                {
                    int i = 0;
                    while (i < steps)
                    {
                        var loss = TrainStep(x, y);
                        i++;
                    }
                }

                private global::TorchSharp.torch.Tensor ComputeEncoderLoss(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor y) => functional.l1_loss(Decoder.call(Encoder.call(x)), y);

                [global::ClipGen.ClipGradNorm(0.5, NormType = double.PositiveInfinity, Model = nameof(Encoder), Loss = nameof(ComputeEncoderLoss))]
                private partial global::TorchSharp.torch.Tensor TrainStep(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor y);
            }
            """;

        string actual = await RefactoringHarness.ApplyAsync(source);
        Assert.Equal(expected, actual);
        RefactoringHarness.AssertCompilesWithGenerator(actual, "Seq.SeqTrainer.TrainStep.g.cs");
    }

    [Fact]
    public async Task Nested_type_and_its_outer_type_become_partial_and_the_editorconfig_threshold_is_used()
    {
        string source = "using ClipGen;\n" + Usings + """
            namespace Outer
            {
                public static class Host
                {
                    internal sealed class Job
                    {
                        private readonly Module<Tensor, Tensor> model;
                        private readonly optim.Optimizer sgd;
                        private readonly Loss<Tensor, Tensor, Tensor> mse = MSELoss();

                        public Job(Module<Tensor, Tensor> model)
                        {
                            this.model = model;
                            sgd = optim.SGD(model.parameters(), 0.01);
                        }

                        public void Train(Tensor x, Tensor y)
                        {
                            do
                            {
                                sgd.zero_grad();
                                var loss = mse.call(model.call(x), y);
                                loss.backward();
                                model.ClipGradNorm(2.0);
                                sgd.step();
                            }
                            while (x.shape[0] > 100);
                        }

                        public void Predict(Tensor x) => model.call(x).Dispose();
                    }
                }
            }
            """;

        string caret = source.Replace("do\n", "$$do\n");
        string expected = "using ClipGen;\n" + Usings + """
            namespace Outer
            {
                public static partial class Host
                {
                    internal sealed partial class Job
                    {
                        private readonly Module<Tensor, Tensor> model;
                        private readonly optim.Optimizer sgd;
                        private readonly Loss<Tensor, Tensor, Tensor> mse = MSELoss();

                        public Job(Module<Tensor, Tensor> model)
                        {
                            this.model = model;
                            sgd = optim.SGD(model.parameters(), 0.01);
                        }

                        public void Train(Tensor x, Tensor y)
                        {
                            do
                            {
                                var loss = TrainStep(x, y);
                            }
                            while (x.shape[0] > 100);
                        }

                        [global::ClipGen.ClipGradNorm(2.0)]
                        private partial global::TorchSharp.torch.Tensor TrainStep(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor y);

                        public void Predict(Tensor x) => model.call(x).Dispose();
                    }
                }
            }
            """;

        string actual = await RefactoringHarness.ApplyAsync(caret, "root = true\n[*.cs]\nclipgen.default_max_norm = 0.25\n");
        Assert.Equal(expected, actual);
        RefactoringHarness.AssertCompilesWithGenerator(actual, "Outer.Host+Job.TrainStep.g.cs");

        string noClip = caret.Replace("                model.ClipGradNorm(2.0);\n", "");
        string withDefault = await RefactoringHarness.ApplyAsync(noClip, "root = true\n[*.cs]\nclipgen.default_max_norm = 0.25\n");
        Assert.Contains("[global::ClipGen.ClipGradNorm(0.25)]", withDefault);
    }

    [Fact]
    public async Task Static_members_give_a_static_train_step()
    {
        string source = Usings + """
            public static class Script
            {
                private static readonly Module<Tensor, Tensor> Model = Linear(4, 1);
                private static readonly optim.Optimizer Sgd = optim.SGD(Model.parameters(), 0.1);

                public static void Main()
                {
                    var x = randn(8, 4);
                    var y = randn(8, 1);
                    for$$ (int i = 0; i < 100; i++)
                    {
                        Sgd.zero_grad();
                        var loss = functional.mse_loss(Model.call(x), y);
                        loss.backward();
                        Sgd.step();
                    }
                }
            }
            """;

        string expected = Usings + """
            public static partial class Script
            {
                private static readonly Module<Tensor, Tensor> Model = Linear(4, 1);
                private static readonly optim.Optimizer Sgd = optim.SGD(Model.parameters(), 0.1);

                public static void Main()
                {
                    var x = randn(8, 4);
                    var y = randn(8, 1);
                    for (int i = 0; i < 100; i++)
                    {
                        var loss = TrainStep(x, y);
                    }
                }

                private static global::TorchSharp.torch.Tensor ComputeModelLoss(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor y) => functional.mse_loss(Model.call(x), y);

                [global::ClipGen.ClipGradNorm(1.0, Loss = nameof(ComputeModelLoss))]
                private static partial global::TorchSharp.torch.Tensor TrainStep(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor y);
            }
            """;

        string actual = await RefactoringHarness.ApplyAsync(source);
        Assert.Equal(expected, actual);
        RefactoringHarness.AssertCompilesWithGenerator(actual, "Script.TrainStep.g.cs");
    }
}
