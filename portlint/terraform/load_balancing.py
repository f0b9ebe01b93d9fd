"""Load balancing: target groups, listeners, listener rules, target-group attachments."""

from __future__ import annotations

from portlint.model import Role
from portlint.terraform.facts import Res, collect_refs, fact, scalar, transport
from portlint.terraform.model import Body

TARGET_GROUPS = ("aws_lb_target_group", "aws_alb_target_group")
LISTENERS = ("aws_lb_listener", "aws_alb_listener")
LISTENER_RULES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
LOAD_BALANCERS = ("aws_lb", "aws_alb")


# -- load balancers --------------------------------------------------------------------------------


def _target_group(res: Res) -> None:
    protocol = scalar(res.ev, res.body, "protocol")
    res.attrs.update({"protocol": protocol, "target_type": scalar(res.ev, res.body, "target_type") or "instance"})
    fact(res, res.body.attrs.get("port"), Role.TARGET, "port", transport=transport(protocol), protocol_name=protocol)
    check = res.body.first("health_check")
    if check is None:
        return
    attr = check.body.attrs.get("port")
    if attr is None:
        return
    val = res.ev.ev(attr.value)
    traffic = val.is_scalar and val.data == "traffic-port"
    fact(res, attr, Role.PROBE, "health_check.port", slot="health_check", transport=transport(protocol),
          accepts_name=True, traffic_port=traffic, protocol_name=scalar(res.ev, check.body, "protocol"))


def _listener(res: Res) -> None:
    protocol = scalar(res.ev, res.body, "protocol")
    res.attrs["protocol"] = protocol
    res.attrs["indirect_targets"] = _indirect_targets(res.body)
    fact(res, res.body.attrs.get("port"), Role.EXPOSE, "port", transport=transport(protocol), protocol_name=protocol)


def _listener_rule(res: Res) -> None:
    res.attrs["indirect_targets"] = _indirect_targets(res.body)


def _indirect_targets(body: Body) -> bool:
    """True when an action forwards to a target group given by something other than a resource
    reference (``var.tg_arn``, ``module.x.arn``): it may be any target group."""
    for action in body.blocks_of("default_action") + body.blocks_of("action"):
        arns = [action.body.attrs.get("target_group_arn")]
        for forward in action.body.blocks_of("forward"):
            arns.extend(group.body.attrs.get("arn") for group in forward.body.blocks_of("target_group"))
        for attr in arns:
            if attr is not None and not any(r["type"] in TARGET_GROUPS for r in collect_refs(attr.value, "")):
                return True
    return False



def _attachment(res: Res) -> None:
    fact(res, res.body.attrs.get("port"), Role.TARGET, "port")


HANDLERS = {**{t: _target_group for t in TARGET_GROUPS}, **{t: _listener for t in LISTENERS},
            **{t: _listener_rule for t in LISTENER_RULES}, "aws_lb_target_group_attachment": _attachment}
