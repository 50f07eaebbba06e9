using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Rl;

public abstract class AgentBase
{
    protected optim.Optimizer ActorOptimizer { get; set; } = null!;
    protected optim.Optimizer CriticOptimizer { get; set; } = null!;

    public optim.Optimizer Optimizer { get; protected set; } = null!;

    public abstract void Update(Tensor states, Tensor actions, Tensor returns);
}

public sealed class A2CAgent : AgentBase
{
    private readonly nn.Module<Tensor, Tensor> actor = nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 4));
    private readonly nn.Module<Tensor, Tensor> critic = nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 1));

    public A2CAgent()
    {
        ActorOptimizer = optim.Adam(actor.parameters(), 1e-4);
        CriticOptimizer = optim.Adam(critic.parameters(), 1e-3);
        Optimizer = optim.Adam(actor.parameters().Concat(critic.parameters()), 1e-4);
    }

    public override void Update(Tensor states, Tensor actions, Tensor returns)
    {
        var values = critic.call(states).squeeze(1);
        var advantage = (returns - values).detach();

        CriticOptimizer.zero_grad();
        nn.functional.mse_loss(values, returns).backward();
        CriticOptimizer.step();

        ActorOptimizer.zero_grad();
        var logProbs = nn.functional.log_softmax(actor.call(states), 1).gather(1, actions.unsqueeze(1)).squeeze(1);
        (-(logProbs * advantage).mean()).backward();
        this.ActorOptimizer.step();
    }

    public Tensor Policy(Tensor states) => actor.call(states);

    public Tensor Value(Tensor states) => critic.call(states);
}

public static class Shared
{
    public static optim.Optimizer? Optimizer;
}

public sealed class Runner
{
    public void TrainFromOutside(A2CAgent agent, IEnumerable<(Tensor States, Tensor Returns)> rollouts)
    {
        foreach (var (states, returns) in rollouts)
        {
            agent.Optimizer.zero_grad();
            nn.functional.mse_loss(agent.Value(states).squeeze(1), returns).backward();
            agent.Optimizer.step();
        }
    }

    public void TrainStatic(A2CAgent agent, IEnumerable<(Tensor States, Tensor Returns)> rollouts)
    {
        foreach (var (states, returns) in rollouts)
        {
            Shared.Optimizer!.zero_grad();
            nn.functional.mse_loss(agent.Value(states).squeeze(1), returns).backward();
            Shared.Optimizer!.step();
        }
    }

    public void TrainMaybe(A2CAgent agent, optim.Optimizer? optimizer, Tensor states, Tensor returns)
    {
        optimizer?.zero_grad();
        nn.functional.mse_loss(agent.Value(states).squeeze(1), returns).backward();
        optimizer?.step(); // no fix: CG0001 a conditional-access step may not run, so a clip before it could run alone
    }
}
