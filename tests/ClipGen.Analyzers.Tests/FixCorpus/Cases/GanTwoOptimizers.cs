using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Gan;

public sealed class Gan
{
    private readonly nn.Module<Tensor, Tensor> generator = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 2));
    private readonly nn.Module<Tensor, Tensor> discriminator = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1));
    private readonly optim.Optimizer optG;
    private readonly optim.Optimizer optD;
    private readonly Loss<Tensor, Tensor, Tensor> bce = nn.BCEWithLogitsLoss();

    public Gan()
    {
        optG = optim.Adam(generator.parameters(), 2e-4, beta1: 0.5);
        optD = optim.Adam(discriminator.parameters(), 2e-4, beta1: 0.5);
    }

    public void Train(IEnumerable<Tensor> real, int batch)
    {
        foreach (Tensor x in real)
        {
            var noise = randn(batch, 16);
            var fake = generator.call(noise);

            optD.zero_grad();
            var lossD = bce.call(discriminator.call(x), ones(batch, 1)) + bce.call(discriminator.call(fake.detach()), zeros(batch, 1));
            lossD.backward();
            optD.step();

            var lossG = bce.call(discriminator.call(fake), ones(batch, 1));
            lossG.backward();
            optG.zero_grad();
            optG.step();
        }
    }

    public void TrainClippedDiscriminatorOnly(IEnumerable<Tensor> real, int batch)
    {
        foreach (Tensor x in real)
        {
            var fake = generator.call(randn(batch, 16));
            optD.zero_grad();
            bce.call(discriminator.call(x), ones(batch, 1)).add(bce.call(discriminator.call(fake.detach()), zeros(batch, 1))).backward();
            nn.utils.clip_grad_norm_(discriminator.parameters(), 1.0);
            optD.step();

            optG.zero_grad();
            bce.call(discriminator.call(fake), ones(batch, 1)).backward();
            optG.step();
        }
    }
}
