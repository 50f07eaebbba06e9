using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

random.manual_seed(1);
var model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1));
var optimizer = optim.RMSProp(model.parameters(), 1e-3);
var x = randn(128, 4);
var y = x.sum(1, keepdim: true);

for (int epoch = 0; epoch < 100; epoch++)
{
    optimizer.zero_grad();
    var loss = nn.functional.mse_loss(model.call(x), y);
    loss.backward();
    optimizer.step();
    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
    if (epoch % 10 == 0) System.Console.WriteLine(loss.item<float>());
}

int seen = 0;
while (seen < 10)
{
    var loss = nn.functional.l1_loss(model.call(x), y);
    loss.backward();
    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
    optimizer.step();
    seen++;
}
