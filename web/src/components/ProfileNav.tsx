import { NavLink } from "react-router";

export function ProfileNav() {
  return (
    <nav aria-label="Profile" className="sub-nav">
      <ul>
        <li>
          <NavLink to="/profile" end>
            Personal details
          </NavLink>
        </li>
        <li>
          <NavLink to="/profile/addresses">Address book</NavLink>
        </li>
        <li>
          <NavLink to="/profile/password">Change password</NavLink>
        </li>
        <li>
          <NavLink to="/profile/security">Two-step sign-in</NavLink>
        </li>
        <li>
          <NavLink to="/profile/devices">Signed-in devices</NavLink>
        </li>
      </ul>
    </nav>
  );
}
