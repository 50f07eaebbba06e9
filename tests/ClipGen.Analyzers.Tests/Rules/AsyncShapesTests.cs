using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

/// <summary>Training loops written as async iterators, over <c>await foreach</c>, with null-forgiving and null-conditional receivers.</summary>
public class AsyncShapesTests
{
    private const string Usings = Snippets.Usings + """
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    [Fact]
    public Task A_step_in_an_async_iterator_with_yield_inside_nested_loops_is_reported() => Verify.VerifyAsync(Usings + """
        public readonly record struct Progress(int Epoch, int Batch, float Loss);

        public sealed class StreamingTrainer
        {
            private readonly nn.Module<Tensor, Tensor> net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1));
            private readonly optim.Optimizer opt;

            public StreamingTrainer() => opt = optim.AdamW(net.parameters(), 3e-4);

            public async IAsyncEnumerable<Progress> FitAsync(IAsyncEnumerable<(Tensor X, Tensor Y)> data, int epochs, [EnumeratorCancellation] CancellationToken ct = default)
            {
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    int batch = 0;
                    await foreach (var (x, y) in data.WithCancellation(ct).ConfigureAwait(false))
                    {
                        using var scope = torch.NewDisposeScope();
                        Tensor? loss = nn.functional.smooth_l1_loss(net.call(x), y);
                        opt.zero_grad();
                        loss!.backward();
                        {|CG0001:opt.step()|};
                        if (++batch % 50 == 0)
                        {
                            yield return new Progress(epoch, batch, loss.item<float>());
                        }
                    }
                }
            }
        }

        """);

    [Fact]
    public Task A_clipped_async_iterator_is_clean() => Verify.VerifyAsync(Usings + """
        public sealed class StreamingTrainer
        {
            private readonly nn.Module<Tensor, Tensor> net = nn.Linear(8, 1);

            public async IAsyncEnumerable<float> FitAsync(IAsyncEnumerable<(Tensor X, Tensor Y)> data)
            {
                var opt = optim.SGD(net.parameters(), 0.01);
                await foreach (var (x, y) in data)
                {
                    opt.zero_grad();
                    Tensor? loss = nn.functional.mse_loss(net.call(x), y);
                    loss!.backward();
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                    opt.step();
                    yield return loss.item<float>();
                }
            }
        }

        """);

    [Fact]
    public Task A_local_async_iterator_is_analyzed() => Verify.VerifyAsync(Usings + """
        public sealed class StreamingTrainer
        {
            private readonly nn.Module<Tensor, Tensor> net = nn.Linear(8, 1);

            public IAsyncEnumerable<float> Fit(IAsyncEnumerable<(Tensor X, Tensor Y)> data)
            {
                return Run();

                async IAsyncEnumerable<float> Run()
                {
                    var opt = optim.SGD(net.parameters(), 0.01);
                    await foreach (var (x, y) in data)
                    {
                        opt.zero_grad();
                        var loss = nn.functional.mse_loss(net.call(x), y);
                        loss.backward();
                        {|CG0001:opt.step()|};
                        yield return loss.item<float>();
                    }
                }
            }
        }

        """);

    [Fact]
    public Task Await_foreach_in_an_async_task_with_an_awaited_loss_is_reported() => Verify.VerifyAsync(Usings + """
        public sealed class Trainer
        {
            private readonly nn.Module<Tensor, Tensor> net = nn.Linear(8, 1);

            public async Task FitAsync(IAsyncEnumerable<(Tensor X, Tensor Y)> data)
            {
                var opt = optim.SGD(net.parameters(), 0.01);
                await foreach (var (x, y) in data)
                {
                    opt.zero_grad();
                    Tensor? loss = await Task.Run(() => nn.functional.mse_loss(net.call(x), y));
                    loss!.backward();
                    {|CG0001:opt.step()|};
                    await Task.Yield();
                }
            }
        }

        """);

    [Fact]
    public Task Null_conditional_optimizer_calls_are_one_optimizer_and_its_null_path_discards_nothing() => Verify.VerifyAsync(Usings + """
        public sealed class Trainer
        {
            private readonly nn.Module<Tensor, Tensor> net = nn.Linear(8, 1);
            private optim.Optimizer? opt;
            private Tensor? lastLoss;

            public async IAsyncEnumerable<float> FitAsync(IAsyncEnumerable<(Tensor X, Tensor Y)> data)
            {
                await foreach (var (x, y) in data)
                {
                    opt?.zero_grad();
                    lastLoss = nn.functional.mse_loss(net.call(x), y);
                    lastLoss?.backward();
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                    opt?.step();
                    yield return 0f;
                }
            }
        }

        """);

    [Fact]
    public Task A_null_conditional_step_in_a_loop_that_never_clears_names_the_optimizer() => Verify.VerifyAsync(Usings + """
        public sealed class Trainer
        {
            private readonly nn.Module<Tensor, Tensor> net = nn.Linear(8, 1);
            private optim.Optimizer? opt;

            public void Fit(List<(Tensor X, Tensor Y)> data)
            {
                {|#0:foreach|} (var (x, y) in data)
                {
                    nn.functional.mse_loss(net.call(x), y).backward();
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                    opt?{|#1:.step()|};
                }
            }
        }

        """, Verify.Diagnostic("CG0003").WithLocation(0).WithLocation(1).WithArguments("opt"));
}
