using TorchSharp;
using static TorchSharp.torch;

public sealed class Gan
{
    private readonly nn.Module<Tensor, Tensor> generator;
    private readonly nn.Module<Tensor, Tensor> discriminator;
    private readonly optim.Optimizer optG;
    private readonly optim.Optimizer optD;

    public Gan(nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d)
    {
        generator = g;
        discriminator = d;
        optG = optim.Adam(g.parameters(), 2e-4, 0.5, 0.999);
        optD = optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
    }

    public void Epoch(IEnumerable<Tensor> reals)
    {
        foreach (Tensor real in reals)
        {
            var noise = randn(real.shape[0], 100);
            var fake = generator.call(noise);

            optD.zero_grad();
            var dLoss = nn.functional.binary_cross_entropy_with_logits(discriminator.call(real), ones_like(real))
                + nn.functional.binary_cross_entropy_with_logits(discriminator.call(fake.detach()), zeros_like(real));
            dLoss.backward();
            nn.utils.clip_grad_norm_(discriminator.parameters(), 10.0);
            optD.step();

            optG.zero_grad();
            var gLoss = nn.functional.binary_cross_entropy_with_logits(discriminator.call(fake), ones_like(real));
            gLoss.backward();
            nn.utils.clip_grad_norm_(generator.parameters(), 10.0);
            optG.step();
        }
    }

    public void Evaluate(Tensor x)
    {
        using (no_grad())
        {
            for (int i = 0; i < 3; i++)
            {
                var y = generator.call(x);
                Console.WriteLine(y.mean().item<float>());
            }
        }
    }
}
