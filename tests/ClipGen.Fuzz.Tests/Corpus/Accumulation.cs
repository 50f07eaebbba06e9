using TorchSharp;
using static TorchSharp.torch;

public static class Accumulation
{
    public static void Accumulate(nn.Module<Tensor, Tensor> model, IList<(Tensor X, Tensor Y)> batches, int k)
    {
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        optimizer.zero_grad();
        for (int i = 0; i < batches.Count; i++)
        {
            var (x, y) = batches[i];
            var loss = nn.functional.mse_loss(model.call(x), y) / k;
            loss.backward();
            if ((i + 1) % k == 0)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                optimizer.zero_grad();
            }
        }
    }

    public static void AccumulateWithBackEdgeBug(nn.Module<Tensor, Tensor> model, IList<(Tensor X, Tensor Y)> batches)
    {
        var optimizer = optim.SGD(model.parameters(), 0.1);
        int i = 0;
        foreach (var (x, y) in batches)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            if (++i % 4 == 0)
            {
                optimizer.step();
            }
        }
    }

    public static async Task AccumulateAsync(nn.Module<Tensor, Tensor> model, IAsyncEnumerable<(Tensor X, Tensor Y)> data)
    {
        var optimizer = optim.RMSProp(model.parameters());
        int n = 0;
        await foreach (var batch in data)
        {
            try
            {
                var loss = nn.functional.l1_loss(model.call(batch.X), batch.Y);
                loss.backward();
            }
            finally
            {
                n++;
            }

            if (n % 2 == 0)
            {
                optimizer.step();
                optimizer.zero_grad();
            }
        }
    }
}
