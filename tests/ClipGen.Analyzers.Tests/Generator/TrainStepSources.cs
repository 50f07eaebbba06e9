namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>Train-step snippets shared by the generator tests. C# 9 compatible unless the name says otherwise.</summary>
internal static class TrainStepSources
{
    /// <summary>Form 1 of the issue: model, optimizer and criterion found by type.</summary>
    public const string Form1 = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp
        {
            public partial class Trainer
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

                [ClipGradNorm(1.0)]
                public partial Tensor TrainStep(Tensor input, Tensor target);
            }
        }
        """;

    /// <summary>Form 2 of the issue: a loss method, members named explicitly.</summary>
    public const string Form2 = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        namespace MyApp
        {
            public record Batch(Tensor Input, Tensor Target);

            public partial class SeqTrainer
            {
                Module<Tensor, Tensor> encoder;
                Module<Tensor, Tensor> decoder;
                torch.optim.Optimizer opt;

                public SeqTrainer(Module<Tensor, Tensor> encoder, Module<Tensor, Tensor> decoder, torch.optim.Optimizer opt)
                {
                    this.encoder = encoder;
                    this.decoder = decoder;
                    this.opt = opt;
                }

                Tensor ComputeLoss(Batch batch) => functional.mse_loss(decoder.call(encoder.call(batch.Input)), batch.Target);

                [ClipGradNorm(0.5, NormType = 2.0, Loss = nameof(ComputeLoss), Model = nameof(encoder), Optimizer = nameof(opt))]
                internal partial TrainStepResult Step(Batch batch);
            }
        }
        """;
}
