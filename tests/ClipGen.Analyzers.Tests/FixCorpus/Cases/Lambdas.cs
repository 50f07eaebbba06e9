using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Lambdas;

public sealed class CallbackTrainer
{
    private readonly GRU gru = nn.GRU(16, 32);
    private readonly optim.Optimizer optimizer;

    public CallbackTrainer()
    {
        optimizer = optim.Adam(gru.parameters(), 1e-3);
    }

    private Tensor Loss(Tensor x) => gru.call(x).Item1.pow(2).mean();

    public void Train(List<Tensor> batches)
    {
        Func<Tensor, Tensor> loss = x => Loss(x);
        Action<Tensor> trainStep = x =>
        {
            optimizer.zero_grad();
            loss(x).backward();
            optimizer.step();
        };

        batches.ForEach(b => trainStep(b));
    }

    public void TrainWithLocalFunction(List<Tensor> batches)
    {
        foreach (Tensor b in batches)
        {
            Step(b);
        }

        void Step(Tensor x)
        {
            Loss(x).backward();
            optimizer.step();
            optimizer.zero_grad();
        }
    }

    public void TrainEvery(List<Tensor> batches)
    {
        batches.Select((b, i) => (b, i)).ToList().ForEach(p =>
        {
            Loss(p.b).backward();
            if (p.i % 2 == 1)
            {
                optimizer.step();
            }
        });
    }
}
