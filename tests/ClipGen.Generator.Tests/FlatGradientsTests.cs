using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClipGen.Generator.Tests;

/// <summary>
/// Generated <c>[ClipGradNorm]</c> steps clip through a flat gradient buffer by default: on real libtorch they train
/// the same weights as the tensor-by-tensor step (<c>FlatGradients = false</c>).
/// </summary>
[Collection(GlobalRandomCollection.Name)]
public class FlatGradientsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Steps = 200;

    public enum Kind
    {
        Sgd,
        SgdMomentum,
        Adam,
        AdamW,
    }

    private static optim.Optimizer Optimizer(Kind kind, Module model) => kind switch
    {
        Kind.Sgd => optim.SGD(model.parameters(), 0.05),
        Kind.SgdMomentum => optim.SGD(model.parameters(), 0.05, momentum: 0.9),
        Kind.Adam => optim.Adam(model.parameters(), 0.01),
        _ => optim.AdamW(model.parameters(), 0.01, weight_decay: 0.01),
    };

    /// <summary>Three layers (six parameter tensors), the same initial weights for every seed.</summary>
    private static Module<Tensor, Tensor> Model(long seed)
    {
        random.manual_seed(seed);
        return Sequential(Linear(8, 16), ReLU(), Linear(16, 4), Tanh(), Linear(4, 1));
    }

    /// <summary>Batches whose gradient norm is mostly far above maxNorm = 0.5, so clipping acts on most steps.</summary>
    private static List<(Tensor X, Tensor Y)> Batches(int count)
    {
        random.manual_seed(42);
        var batches = new List<(Tensor, Tensor)>();
        for (int i = 0; i < count; i++)
        {
            Tensor x = randn(16, 8);
            batches.Add((x, x.sum(1, keepdim: true).mul(5).add(randn(16, 1))));
        }

        return batches;
    }

    private static float[] Weights(Module model) => model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    /// <summary>
    /// Tolerance of the clipped runs: the flat buffer sums the squares of all gradients in another order than the
    /// per-tensor norms of the plain path (‖concat(g)‖ = ‖(‖g₁‖, …)‖ only in exact arithmetic), so the total norm, and
    /// with it the clip coefficient, can differ in its last float bits; over 200 steps that stays far below 1e-6 of
    /// the largest weight.
    /// </summary>
    private void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        double worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        output.WriteLine($"largest |flat - plain| = {worst:R} ({worst / scale:R} of the largest weight {scale:R}); {expected.Zip(actual).Count(p => p.First != p.Second)} of {expected.Length} weights differ");
        Assert.True(worst <= 1e-6 * scale, $"largest difference {worst:R} vs largest weight {scale:R}");
    }

    public enum Step
    {
        /// <summary><c>void</c>, Propagate: the host-sync-free path.</summary>
        Void,
        /// <summary><c>Tensor</c> with <c>AccumulationSteps = 3</c>: 200 calls, 66 optimizer steps.</summary>
        Accumulating,
        /// <summary><c>TrainStepResult</c> with SkipStep: the ClipResult path.</summary>
        Result,
    }

    public static TheoryData<Kind, Step> Cases()
    {
        var data = new TheoryData<Kind, Step>();
        foreach (Kind kind in Enum.GetValues<Kind>())
        {
            foreach (Step step in Enum.GetValues<Step>())
            {
                data.Add(kind, step);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Clipped_steps_train_the_weights_of_the_plain_path(Kind kind, Step step)
    {
        Module<Tensor, Tensor> flatModel = Model(7), plainModel = Model(7);
        var flat = new EquivalenceTrainer(flatModel, Optimizer(kind, flatModel));
        var plain = new EquivalenceTrainer(plainModel, Optimizer(kind, plainModel));
        int clipped = 0;

        foreach ((Tensor x, Tensor y) in Batches(Steps))
        {
            switch (step)
            {
                case Step.Void:
                    flat.FlatStep(x, y);
                    plain.PlainStep(x, y);
                    break;
                case Step.Accumulating:
                    flat.FlatAccumulating(x, y).Dispose();
                    plain.PlainAccumulating(x, y).Dispose();
                    break;
                default:
                    TrainStepResult a = flat.FlatResult(x, y), b = plain.PlainResult(x, y);
                    Assert.Equal(b.Clipped, a.Clipped);
                    Assert.Equal(b.PreClipNorm, a.PreClipNorm, 1e-5 * b.PreClipNorm);
                    clipped += b.Clipped ? 1 : 0;
                    break;
            }
        }

        Assert.NotNull((flat.FlatState ?? flat.FlatResultState ?? flat.FlatAccumulatingState)?.Buffer);
        Assert.Null(plain.FlatState ?? plain.FlatResultState ?? plain.FlatAccumulatingState);
        AssertClose(Weights(plainModel), Weights(flatModel));
        Assert.NotEqual(Weights(Model(7)), Weights(flatModel));
        if (step == Step.Result)
        {
            Assert.True(clipped > Steps / 2, $"clipping acted on {clipped} of {Steps} steps only");
        }
    }

    [Theory]
    [InlineData(Kind.Sgd)]
    [InlineData(Kind.SgdMomentum)]
    [InlineData(Kind.Adam)]
    [InlineData(Kind.AdamW)]
    public void Unclipped_steps_are_bit_identical_to_the_plain_path(Kind kind)
    {
        // With maxNorm = 1e9 the coefficient is exactly 1 on both paths, and backward() accumulates into a view of the
        // buffer with the same float operations as into a separate grad: nothing may differ.
        Module<Tensor, Tensor> flatModel = Model(8), plainModel = Model(8);
        var flat = new EquivalenceTrainer(flatModel, Optimizer(kind, flatModel));
        var plain = new EquivalenceTrainer(plainModel, Optimizer(kind, plainModel));

        foreach ((Tensor x, Tensor y) in Batches(Steps))
        {
            Assert.Equal(plain.PlainUnclipped(x, y), flat.FlatUnclipped(x, y));
        }

        Assert.NotNull(flat.FlatUnclippedState?.Buffer);
        Assert.Equal(Weights(plainModel), Weights(flatModel));
    }

    [Theory]
    [InlineData(Kind.Sgd)]
    [InlineData(Kind.Adam)]
    public void User_code_that_nulls_or_replaces_grads_between_steps_still_trains_like_the_plain_path(Kind kind)
    {
        Module<Tensor, Tensor> flatModel = Model(9), plainModel = Model(9);
        var flat = new EquivalenceTrainer(flatModel, Optimizer(kind, flatModel));
        var plain = new EquivalenceTrainer(plainModel, Optimizer(kind, plainModel));
        int call = 0;

        foreach ((Tensor x, Tensor y) in Batches(Steps))
        {
            flat.FlatStep(x, y);
            plain.PlainStep(x, y);
            foreach (Module<Tensor, Tensor> model in new[] { flatModel, plainModel })
            {
                // What users' AMP wrappers and hand-written loops do between steps.
                TorchSharp.Modules.Parameter first = model.parameters().First();
                switch (call % 4)
                {
                    case 1:
                        first.grad = null;
                        break;
                    case 2:
                        using (no_grad())
                        {
                            first.grad = first.grad!.clone();
                        }

                        break;
                    case 3:
                        model.zero_grad();
                        break;
                }
            }

            call++;
        }

        AssertClose(Weights(plainModel), Weights(flatModel));
        Assert.NotEqual(Weights(Model(9)), Weights(flatModel));
        // The grads backward() recreated after the user's nulls and replacements were taken back into the buffer.
        GradientBuffer buffer = Assert.IsType<GradientBuffer>(flat.FlatState?.Buffer);
        Assert.True(buffer.ReattachCount >= Steps / 2, $"re-attached {buffer.ReattachCount} times");
        Assert.Equal(1, flat.FlatState!.AttachCount);
    }

    [Fact]
    public void A_new_optimizer_object_gets_a_new_buffer_and_training_goes_on()
    {
        Module<Tensor, Tensor> flatModel = Model(10), plainModel = Model(10);
        var flat = new EquivalenceTrainer(flatModel, optim.SGD(flatModel.parameters(), 0.05));
        var plain = new EquivalenceTrainer(plainModel, optim.SGD(plainModel.parameters(), 0.05));
        List<(Tensor X, Tensor Y)> batches = Batches(40);

        for (int i = 0; i < batches.Count; i++)
        {
            if (i == 20)
            {
                flat.Optimizer = optim.Adam(flatModel.parameters(), 0.01);
                plain.Optimizer = optim.Adam(plainModel.parameters(), 0.01);
            }

            flat.FlatStep(batches[i].X, batches[i].Y);
            plain.PlainStep(batches[i].X, batches[i].Y);
        }

        Assert.Equal(2, flat.FlatState!.AttachCount);
        Assert.NotNull(flat.FlatState.Buffer);
        AssertClose(Weights(plainModel), Weights(flatModel));
    }

    [Fact]
    public void New_parameter_objects_get_a_new_buffer_and_training_goes_on()
    {
        Module<Tensor, Tensor> flatModel = Model(13), plainModel = Model(13);
        var flat = new EquivalenceTrainer(flatModel, optim.SGD(flatModel.parameters(), 0.05));
        var plain = new EquivalenceTrainer(plainModel, optim.SGD(plainModel.parameters(), 0.05));
        List<(Tensor X, Tensor Y)> batches = Batches(20);
        for (int i = 0; i < batches.Count; i++)
        {
            if (i == 10)
            {
                // module.to(dtype) makes new parameter objects: the old buffer no longer holds their grads.
                foreach (EquivalenceTrainer trainer in new[] { flat, plain })
                {
                    Module<Tensor, Tensor> model = ReferenceEquals(trainer, flat) ? flatModel : plainModel;
                    model.to(ScalarType.Float64);
                    trainer.Optimizer = optim.SGD(model.parameters(), 0.05);
                }
            }

            Tensor x = i < 10 ? batches[i].X : batches[i].X.to(ScalarType.Float64);
            Tensor y = i < 10 ? batches[i].Y : batches[i].Y.to(ScalarType.Float64);
            flat.FlatStep(x, y);
            plain.PlainStep(x, y);
        }

        Assert.Equal(2, flat.FlatState!.AttachCount);
        GradientBuffer buffer = Assert.IsType<GradientBuffer>(flat.FlatState.Buffer);
        Assert.Same(flatModel.parameters().First(), buffer.Parameters[0]);
        double[] expected = plainModel.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();
        double[] actual = flatModel.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-6 * expected.Max(Math.Abs), $"largest difference {worst:R}");
    }

    [Fact]
    public void Where_the_buffer_refuses_sparse_gradients_the_step_clips_tensor_by_tensor()
    {
        static Module<Tensor, Tensor> Sparse()
        {
            random.manual_seed(11);
            return Sequential(Embedding(20, 8, sparse: true), Linear(8, 1));
        }

        Module<Tensor, Tensor> flatModel = Sparse(), plainModel = Sparse();
        var flat = new EquivalenceTrainer(flatModel, optim.SGD(flatModel.parameters(), 0.05));
        var plain = new EquivalenceTrainer(plainModel, optim.SGD(plainModel.parameters(), 0.05));
        random.manual_seed(12);
        for (int i = 0; i < 20; i++)
        {
            Tensor tokens = randint(0, 20, new long[] { 16 }, dtype: ScalarType.Int64);
            Tensor y = randn(16, 1).mul(10);
            flat.FlatStep(tokens, y);
            plain.PlainStep(tokens, y);
        }

        Assert.Equal(1, flat.FlatState!.AttachCount);
        Assert.Null(flat.FlatState.Buffer);
        Assert.Equal(Weights(plainModel), Weights(flatModel));
        Assert.NotEqual(Weights(Sparse()), Weights(flatModel));
    }
}
