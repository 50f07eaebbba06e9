using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Async;

public sealed class StreamingTrainer
{
    private readonly LSTM lstm = nn.LSTM(32, 64, batchFirst: true);
    private readonly Linear head = nn.Linear(64, 1);
    private readonly optim.Optimizer optimizer;

    public StreamingTrainer()
    {
        optimizer = optim.Adam(lstm.parameters(), 1e-3);
    }

    private Tensor Predict(Tensor x)
    {
        var (output, _, _) = lstm.call(x);
        return head.call(output[.., -1, ..]);
    }

    public async IAsyncEnumerable<float> TrainAsync(IAsyncEnumerable<(Tensor X, Tensor Y)> batches, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (x, y) in batches.WithCancellation(cancellationToken))
        {
            optimizer.zero_grad();
            using var loss = nn.functional.mse_loss(Predict(x), y);
            loss.backward();
            optimizer.step();
            await Task.Yield();
            yield return loss.item<float>();
        }
    }

    public async Task TrainStaleAsync(IAsyncEnumerable<(Tensor X, Tensor Y)> batches)
    {
        await foreach (var (x, y) in batches)
        {
            optimizer.zero_grad();
            optimizer.step();
            var loss = nn.functional.mse_loss(Predict(x), y);
            loss.backward();
            await Task.Delay(1);
        }
    }
}
