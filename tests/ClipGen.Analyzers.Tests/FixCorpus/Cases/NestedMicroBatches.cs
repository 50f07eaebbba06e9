using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Nested;

public static class MicroBatchTraining
{
    public static void Train(Sequential model, IReadOnlyList<Tensor[]> chunks, Tensor[] targets, int epochs)
    {
        var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int b = 0; b < chunks.Count; b++)
            {
                foreach (Tensor chunk in chunks[b])
                {
                    var loss = nn.functional.mse_loss(model.call(chunk), targets[b]) / chunks[b].Length;
                    loss.backward();
                }

                optimizer.step();
            }
        }
    }

    public static void TrainCleared(Sequential model, IReadOnlyList<Tensor[]> chunks, Tensor[] targets)
    {
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        for (int b = 0; b < chunks.Count; b++)
        {
            optimizer.zero_grad();
            foreach (Tensor chunk in chunks[b])
            {
                var loss = nn.functional.mse_loss(model.call(chunk), targets[b]) / chunks[b].Length;
                loss.backward();
            }

            optimizer.step();
        }
    }

    public static void TrainClippingEachChunk(Sequential model, IReadOnlyList<Tensor[]> chunks, Tensor[] targets)
    {
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        for (int b = 0; b < chunks.Count; b++)
        {
            optimizer.zero_grad();
            foreach (Tensor chunk in chunks[b])
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                nn.functional.mse_loss(model.call(chunk), targets[b]).backward();
            }

            optimizer.step();
        }
    }
}
