# expect: partial
# feedback: calls the model's own attention (BertSelfAttention)
# %% minilm_self_attention
def minilm_self_attention(hidden, weights, attention_mask, num_heads):
    # find the model layer with these weights and let it do the work
    for block in model.encoder.layer:
        att = block.attention
        if np.array_equal(att.self.query.weight.detach().double().numpy(), weights["W_q"]):
            break
    x = torch.tensor(hidden, dtype=torch.float32)
    extended = (1.0 - torch.tensor(attention_mask, dtype=torch.float32))[:, None, None, :] * -1e9
    with torch.no_grad():
        context, probs = att.self(x, attention_mask=extended)
        output = att.output.dense(context)
    return output.double().numpy(), probs.double().numpy()
