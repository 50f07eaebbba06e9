using TorchSharp;
using static TorchSharp.torch;

public static class LegitLoop
{
    public static void Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int epochs)
    {
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        for (int i = 0; i < epochs; i++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
    }

    public static void ZeroAfterStep(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.SGD(model.parameters(), 0.1);
        foreach (var _ in Enumerable.Range(0, 10))
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            nn.utils.clip_grad_value_(model.parameters(), 0.5);
            optimizer.step();
            model.zero_grad();
        }
    }

    public static void WhileLoop(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.AdamW(model.parameters());
        var scheduler = optim.lr_scheduler.StepLR(optimizer, 10);
        int step = 0;
        while (step++ < 100)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = nn.functional.cross_entropy(model.call(x), y);
            if (loss.isnan().item<bool>()) continue;
            loss.backward();
            var norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm: 1.0, norm_type: double.PositiveInfinity);
            optimizer.step();
            scheduler.step();
        }
    }
}
